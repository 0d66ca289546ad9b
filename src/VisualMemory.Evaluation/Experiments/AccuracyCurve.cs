using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>One aggregation's accuracy at each k, in increasing k.</summary>
/// <param name="Aggregation">The aggregation's wire name ("plurality", "distance", "softmax", "rank").</param>
/// <param name="Points">Accuracy per k.</param>
public sealed record AccuracyCurve(string Aggregation, IReadOnlyList<KAccuracy> Points)
{
    /// <summary>Accuracy at <paramref name="k"/>, or NaN when the curve has no such point.</summary>
    public double At(int k) => Points.FirstOrDefault(p => p.K == k)?.Accuracy ?? double.NaN;

    /// <summary>The most accurate point; the smallest k among equals.</summary>
    public KAccuracy Best => Points.OrderByDescending(p => p.Accuracy).ThenBy(p => p.K).First();

    /// <summary>Groups <see cref="KnnEvaluation"/>'s cells into one curve per aggregation.</summary>
    public static IReadOnlyList<AccuracyCurve> FromCells(IEnumerable<AccuracyCell> cells) =>
        [.. cells.GroupBy(c => c.Aggregation).Select(g => new AccuracyCurve(
            AggregationOptions.NameOf(g.Key), [.. g.OrderBy(c => c.K).Select(c => new KAccuracy(c.K, c.Accuracy))]))];
}
