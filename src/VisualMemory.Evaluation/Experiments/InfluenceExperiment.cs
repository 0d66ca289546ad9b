using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>Runs <see cref="InfluenceAudit"/> (exact leave-one-item-out, from k + 1 neighbours) over every test query.</summary>
public static class InfluenceExperiment
{
    /// <summary>Audits rank voting at <paramref name="k"/> on the baseline retrieval.</summary>
    public static InfluenceResult Run(Baseline baseline, int k)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var options = Aggregations.Rank;
        var audit = InfluenceAudit.Run(baseline.Neighbors, baseline.Truth, k, options, baseline.Memory.Count);
        return new InfluenceResult(
            AggregationOptions.NameOf(options.Kind), k, audit.Queries, audit.MemorySize, audit.DistinctInTopK, audit.Influential.Count,
            audit.NonPrivateFraction, audit.Influential.Sum(i => i.CorrectToWrong), audit.Influential.Sum(i => i.WrongToCorrect),
            [.. audit.Influential.Take(10)]);
    }
}
