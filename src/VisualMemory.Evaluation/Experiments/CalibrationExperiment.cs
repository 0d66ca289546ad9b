using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>Reliability diagrams (10 equal-width bins) and ECE of the winning label's vote share.</summary>
public static class CalibrationExperiment
{
    /// <summary>The settings measured: rank voting at k = 10 and plurality voting at k = 100.</summary>
    public static IReadOnlyList<(AggregationOptions Options, int K)> Settings { get; } = [(Aggregations.Rank, 10), (Aggregations.Plurality, 100)];

    /// <summary>Measures each of <see cref="Settings"/> on the baseline retrieval.</summary>
    public static CalibrationResult Run(Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var entries = new List<CalibrationEntry>();
        foreach (var (options, k) in Settings)
        {
            var confidences = new double[baseline.Neighbors.Count];
            var correct = new bool[baseline.Neighbors.Count];
            for (var q = 0; q < confidences.Length; q++)
            {
                var list = baseline.Neighbors[q];
                var result = KnnClassifier.Classify(list.AsSpan(0, Math.Min(k, list.Length)), options);
                confidences[q] = result.Confidence;
                correct[q] = result.Label == baseline.Truth[q];
            }
            entries.Add(new CalibrationEntry(AggregationOptions.NameOf(options.Kind), k, Calibration.Compute(confidences, correct, Calibration.DefaultBins)));
        }
        return new CalibrationResult(entries);
    }
}
