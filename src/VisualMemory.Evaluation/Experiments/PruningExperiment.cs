using System.Diagnostics;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;
using VisualMemory.Core.Pruning;
using VisualMemory.Engine.Pruning;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>
/// research.md §1's memory pruning: one prune job with the paper's defaults (k = 100, automatic hard
/// threshold), then the test set searched with it applied hard, rolled back, applied soft, rolled
/// back again, so the baseline memory is left as it was.
/// </summary>
public static class PruningExperiment
{
    /// <summary>The paper's leave-one-out k.</summary>
    public const int JobK = 100;

    /// <summary>Runs the job on the baseline memory and scores rank and plurality voting at each of <paramref name="ks"/>.</summary>
    public static PruningResult Run(Baseline baseline, IReadOnlyList<int> ks, int batch)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(ks);
        var memory = baseline.Memory;
        IReadOnlyList<AggregationOptions> aggregations = [Aggregations.Rank, Aggregations.Plurality];
        var jobK = (int)Math.Min(JobK, memory.Count - 1);
        var clock = Stopwatch.StartNew();
        var version = memory.RunPruneJob(new PruneJobOptions(K: jobK, HardThreshold: null));
        var jobSeconds = clock.Elapsed.TotalSeconds;
        var rows = Retrieval.AllTestRows(baseline.Dataset);
        var k = ks.Max();

        var modes = new List<PruningModeResult> { Score("none", baseline.Neighbors) };
        foreach (var mode in new[] { PruningMode.Hard, PruningMode.Soft })
        {
            memory.ApplyPrune(version.Version, mode);
            try
            {
                var neighbors = Retrieval.Search(memory, baseline.Dataset, rows, k, batch);
                modes.Add(Score(mode == PruningMode.Hard ? "hard" : "soft", neighbors));
            }
            finally
            {
                memory.RollbackPrune();
            }
        }
        return new PruningResult(
            jobK, version.MemorySize, version.Misclassified, version.Counts.Count,
            version.Counts.Values.Sum(v => (double)v) / Math.Max(1, version.MemorySize), version.HardThreshold, version.HardPrunedCount, jobSeconds, modes);

        PruningModeResult Score(string name, IReadOnlyList<Core.Search.Neighbor[]> neighbors) =>
            new(name, AccuracyCurve.FromCells(KnnEvaluation.Accuracy(neighbors, baseline.Truth, ks, aggregations)));
    }
}
