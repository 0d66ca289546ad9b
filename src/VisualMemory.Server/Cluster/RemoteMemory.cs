using System.Collections.Concurrent;
using VisualMemory.Cluster.Coordination;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Engine;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// A memory this node does not hold, answered through the cluster: its definition comes from the
/// control plane, its shards from their Ready replicas on live nodes (preferred in name order), and
/// the answers from <see cref="ShardFanout"/>, merged as one node would merge them.
/// </summary>
/// <param name="Definition">The memory's definition, as recorded in the control plane.</param>
/// <param name="Placement">Each shard with its Ready replicas' node addresses.</param>
/// <param name="Labels">This coordinator's vocabulary for the memory's labels (hosts send names).</param>
internal sealed record RemoteMemory(MemoryDefinition Definition, IReadOnlyList<ShardReplicas> Placement, LabelVocabulary Labels)
{
    private static readonly ConcurrentDictionary<string, LabelVocabulary> Vocabularies = new(StringComparer.Ordinal);

    /// <summary>The memory as the control plane describes it, or null when it has no such memory.</summary>
    public static async Task<RemoteMemory?> FindAsync(IClusterStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var record = (await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(m => m.Name == name);
        if (record is null)
        {
            return null;
        }
        var definition = MemoryDefinitionJson.Parse(record.DefinitionJson);
        var alive = (await store.ListNodesAsync(cancellationToken).ConfigureAwait(false)).Where(n => n.Alive).ToDictionary(n => n.Name, n => n.Address, StringComparer.Ordinal);
        var ready = (await store.ListAssignmentsAsync(name, cancellationToken).ConfigureAwait(false))
            .Where(a => a.State == AssignmentState.Ready && alive.ContainsKey(a.Node))
            .ToLookup(a => a.Shard);
        List<ShardReplicas> placement = [.. Enumerable.Range(0, definition.Shards).Select(shard => new ShardReplicas(shard,
            [.. ready[shard].OrderBy(a => a.Node, StringComparer.Ordinal).Select(a => new Uri(alive[a.Node]))]))];
        return new RemoteMemory(definition, placement, Vocabularies.GetOrAdd(name, _ => new LabelVocabulary()));
    }

    /// <summary>The k nearest items of each query row over every shard that answered, and the shards that did not.</summary>
    public async Task<FanoutResult> SearchAsync(ShardFanout fanout, float[] rows, int k, int? nprobe, PruningMode? pruning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fanout);
        var queries = Definition.Preprocess(rows);
        return await fanout.SearchAsync(Definition.Name, Definition.Dimension, queries, k, nprobe ?? 0, pruning, Placement, Labels.GetOrAdd, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The label names of hits, in this coordinator's vocabulary.</summary>
    public string LabelOf(Neighbor neighbor) => Labels[neighbor.Label];
}
