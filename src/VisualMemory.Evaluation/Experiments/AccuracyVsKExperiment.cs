using VisualMemory.Core.Evaluation;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>Accuracy at each k for all four aggregations, from the baseline's single retrieval.</summary>
public static class AccuracyVsKExperiment
{
    /// <summary>Scores every (aggregation, k) pair of <paramref name="ks"/>.</summary>
    public static AccuracyVsKResult Run(Baseline baseline, IReadOnlyList<int> ks)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var cells = KnnEvaluation.Accuracy(baseline.Neighbors, baseline.Truth, ks, Aggregations.All);
        return new AccuracyVsKResult(baseline.Neighbors.Count, baseline.Memory.Count, AccuracyCurve.FromCells(cells));
    }
}
