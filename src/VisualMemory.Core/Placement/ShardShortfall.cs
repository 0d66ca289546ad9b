namespace VisualMemory.Core.Placement;

/// <summary>A shard left under-replicated by a plan because too few nodes can take another replica.</summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="ReplicationFactor">Replicas wanted.</param>
/// <param name="Replicas">Replicas staying after the plan (Loading or Ready, on nodes that keep them).</param>
/// <param name="EligibleNodes">Alive, non-draining nodes in the cluster.</param>
/// <param name="Reason">Human-readable explanation.</param>
public sealed record ShardShortfall(string Memory, int Shard, int ReplicationFactor, int Replicas, int EligibleNodes, string Reason);
