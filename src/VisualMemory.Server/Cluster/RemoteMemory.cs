using System.Collections.Concurrent;
using VisualMemory.Cluster.Coordination;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Diagnostics;
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
/// <param name="ReplicationFactor">How many replicas of each shard placement aims for.</param>
internal sealed record RemoteMemory(MemoryDefinition Definition, IReadOnlyList<ShardReplicas> Placement, LabelVocabulary Labels, int ReplicationFactor)
{
    private static readonly ConcurrentDictionary<string, LabelVocabulary> Vocabularies = new(StringComparer.Ordinal);

    /// <summary>
    /// The memory as this node's reading of the control plane describes it, or null when it has no such
    /// memory. A miss on a reading begun before this call re-reads the control plane, so a memory created a
    /// moment ago on another node (whose 201 the caller already has) is found; concurrent misses share a reading.
    /// </summary>
    public static async Task<RemoteMemory?> FindAsync(ClusterView view, string name, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        var asked = DateTimeOffset.UtcNow;
        var snapshot = await view.GetAsync(maxAge, cancellationToken).ConfigureAwait(false);
        // A reading only a few milliseconds old can still predate the other node's write; one begun after this
        // call cannot. (An age threshold here once let a job submitted right after the create miss its memory.)
        if (snapshot.Memory(name) is null && snapshot.TakenAt < asked)
        {
            snapshot = await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        if (snapshot.Memory(name) is not { } record)
        {
            return null;
        }
        var definition = snapshot.Definition(name)!;
        List<ShardReplicas> placement = [.. Enumerable.Range(0, definition.Shards).Select(shard => new ShardReplicas(shard,
            [.. snapshot.Replicas(name, shard)
                .Where(a => a.State == AssignmentState.Ready && snapshot.AliveAddress(a.Node) is not null)
                .OrderBy(a => a.Node, StringComparer.Ordinal)
                .Select(a => snapshot.AliveAddress(a.Node)!)]))];
        return new RemoteMemory(definition, placement, Vocabularies.GetOrAdd(name, _ => new LabelVocabulary()), record.ReplicationFactor);
    }

    /// <summary>The k nearest items of each query row over every shard that answered, and the shards that did not.</summary>
    public async Task<FanoutResult> SearchAsync(ShardFanout fanout, float[] rows, int k, int? nprobe, PruningMode? pruning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fanout);
        var queries = Definition.Preprocess(rows);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await fanout.SearchAsync(Definition.Name, Definition.Dimension, queries, k, nprobe ?? 0, pruning, Placement, Labels.GetOrAdd, cancellationToken).ConfigureAwait(false);
        // The whole fan-out as the coordinator waits for it: coalescing, network, the hosts' searches and the merge.
        StageTiming.Record("fanout", start);
        return result;
    }

    /// <summary>The label names of hits, in this coordinator's vocabulary.</summary>
    public string LabelOf(Neighbor neighbor) => Labels[neighbor.Label];
}
