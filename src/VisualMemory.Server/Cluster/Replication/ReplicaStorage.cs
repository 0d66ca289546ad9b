using System.Globalization;
using VisualMemory.Engine;
using VisualMemory.Engine.Durability;
using VisualMemory.Storage;

namespace VisualMemory.Server.Cluster.Replication;

/// <summary>
/// Where shard replicas keep their data: each replica is a durable one-shard memory of its own, its
/// objects under <c>replicas/{memory}/{shard}/{node}/</c> in the cluster's object store (so the replicas
/// of a shard sit side by side and a new one can copy a Ready one's), its write-ahead log under
/// <c>{data-dir}/replicas/{memory}/{shard}/</c>.
/// </summary>
internal sealed class ReplicaStorage(IObjectStore objects, string dataDirectory)
{
    /// <summary>The object store shared by the cluster.</summary>
    public IObjectStore Objects { get; } = objects;

    public static string Prefix(string memory, int shard, string node) =>
        string.Create(CultureInfo.InvariantCulture, $"replicas/{memory}/{shard}/{node}/");

    /// <summary>The storage of one replica.</summary>
    public MemoryStorage For(string memory, int shard, string node) =>
        new(new PrefixedObjectStore(Objects, Prefix(memory, shard, node)),
            Path.Combine(dataDirectory, "replicas", memory, shard.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A replica's definition: the memory's, with one shard (routing to shards happened before the write reached it).</summary>
    public static MemoryDefinition ReplicaDefinition(MemoryDefinition memory) => memory with { Shards = 1 };

    /// <summary>Whether the node has a stored copy of the shard.</summary>
    public Task<bool> HasCopyAsync(string memory, int shard, string node, CancellationToken cancellationToken) =>
        Objects.ExistsAsync(Prefix(memory, shard, node) + $"memories/{memory}/memory.json", cancellationToken);

    /// <summary>
    /// Replaces <paramref name="target"/>'s copy with <paramref name="source"/>'s, object by object. The
    /// source keeps checkpointing meanwhile, so an object may vanish between listing and reading: the
    /// caller retries (the target's open verifies every object, so a torn copy is never served).
    /// </summary>
    public async Task CopyAsync(string memory, int shard, string source, string target, CancellationToken cancellationToken)
    {
        await For(memory, shard, target).DeleteAsync(memory, cancellationToken).ConfigureAwait(false);
        var from = Prefix(memory, shard, source);
        var to = Prefix(memory, shard, target);
        var listed = await Objects.ListAsync(from, cancellationToken).ConfigureAwait(false);
        // The definition last: until it exists the copy does not count as one.
        foreach (var item in listed.OrderBy(o => o.Key.EndsWith("/memory.json", StringComparison.Ordinal)))
        {
            var content = await Objects.GetAsync(item.Key, cancellationToken).ConfigureAwait(false);
            await Objects.PutAsync(to + item.Key[from.Length..], content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes a replica's objects and log.</summary>
    public Task DeleteAsync(string memory, int shard, string node, CancellationToken cancellationToken) =>
        For(memory, shard, node).DeleteAsync(memory, cancellationToken);
}
