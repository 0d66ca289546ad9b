namespace VisualMemory.Core.Placement;

/// <summary>One shard of a memory that the cluster must serve, and how many copies it wants.</summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="ReplicationFactor">Replicas wanted (at least 1); never two on one node.</param>
/// <param name="Bytes">Size of one replica, the unit the planner balances.</param>
public sealed record ShardDemand(string Memory, int Shard, int ReplicationFactor, long Bytes);
