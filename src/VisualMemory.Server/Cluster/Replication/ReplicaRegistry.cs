using System.Collections.Concurrent;

namespace VisualMemory.Server.Cluster.Replication;

/// <summary>The shard replicas this node hosts, by memory and shard; shared by the replica host, the internal routes and searches.</summary>
internal sealed class ReplicaRegistry
{
    private readonly ConcurrentDictionary<(string Memory, int Shard), HostedReplica> _replicas = new();

    public HostedReplica? Find(string memory, int shard) => _replicas.GetValueOrDefault((memory, shard));

    public IReadOnlyList<HostedReplica> All => [.. _replicas.Values];

    public bool TryAdd(HostedReplica replica) => _replicas.TryAdd((replica.Memory, replica.Shard), replica);

    public bool Remove(HostedReplica replica) =>
        _replicas.TryRemove(new KeyValuePair<(string, int), HostedReplica>((replica.Memory, replica.Shard), replica));

    /// <summary>Bytes in object storage of the live replicas, for the heartbeat (placement balances by it).</summary>
    public long StoredBytes => _replicas.Values.Sum(r => r.Data?.StorageStats().StoredSegmentBytes ?? 0);
}
