namespace VisualMemory.Evaluation.Experiments;

/// <summary>Accuracy against k for each aggregation (the paper's Figure 2).</summary>
/// <param name="Queries">Test queries.</param>
/// <param name="MemorySize">Items in the memory.</param>
/// <param name="Curves">One curve per aggregation.</param>
public sealed record AccuracyVsKResult(int Queries, long MemorySize, IReadOnlyList<AccuracyCurve> Curves)
{
    /// <summary>The curve of <paramref name="aggregation"/>.</summary>
    public AccuracyCurve Curve(string aggregation) => Curves.Single(c => c.Aggregation == aggregation);
}
