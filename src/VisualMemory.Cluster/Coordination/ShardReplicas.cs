namespace VisualMemory.Cluster.Coordination;

/// <summary>Where one shard of a memory can be searched: its ready replicas' internal addresses, preferred first.</summary>
/// <param name="Shard">The shard number.</param>
/// <param name="Replicas">Internal base addresses of the nodes serving it, in the order to try.</param>
public sealed record ShardReplicas(int Shard, IReadOnlyList<Uri> Replicas);
