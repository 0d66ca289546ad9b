using VisualMemory.Core.Pruning;

namespace VisualMemory.Engine.Pruning;

/// <summary>
/// Runs research.md §1's pruning: every live sample queries the memory leave-one-out and, when it is
/// misclassified, blames the neighbours that voted for the wrong label. The job walks the memory
/// shard by shard with one counter per shard and merges the counters at the end, so on a cluster
/// each shard host can count its own samples and the coordinator only sums.
/// </summary>
public static class PruneJob
{
    private const int BatchSize = 1024;

    /// <summary>Counts wrong contributions over the whole memory; the memory is not changed.</summary>
    /// <param name="memory">The memory to examine.</param>
    /// <param name="options">Job settings; must be valid (<see cref="PruneJobOptions.Problem"/>).</param>
    /// <param name="version">Version number to give the result.</param>
    /// <param name="cancellationToken">Stops the job between batches.</param>
    public static PruneVersion Run(LocalMemory memory, PruneJobOptions options, int version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        var total = new WrongContributionCounter(options.EffectiveAggregation, options.K, options.CountAllNeighbours);
        foreach (var shard in memory.Shards)
        {
            total.Merge(CountShard(memory, shard, options, cancellationToken));
        }
        var counts = new Dictionary<long, int>(total.Counts);
        var threshold = HardPruning.ResolveThreshold(options.HardThreshold, counts, Math.Max(total.QueriesSeen, counts.Count));
        return new PruneVersion(version, DateTimeOffset.UtcNow, options, threshold, total.QueriesSeen, total.Misclassified, counts);
    }

    // One shard's samples against the whole memory: the unit of work a shard host would run.
    private static WrongContributionCounter CountShard(LocalMemory memory, Shard shard, PruneJobOptions options, CancellationToken cancellationToken)
    {
        var counter = new WrongContributionCounter(options.EffectiveAggregation, options.K, options.CountAllNeighbours);
        foreach (var batch in shard.LiveItems(BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // k + 1: the sample finds itself, and the counter drops it by id.
            var neighbours = memory.SearchNormalised(batch.Vectors.Span, options.K + 1, pruning: PruningMode.None);
            for (var i = 0; i < batch.Ids.Count; i++)
            {
                counter.Add(batch.Ids[i], batch.Labels[i], neighbours[i]);
            }
        }
        return counter;
    }
}
