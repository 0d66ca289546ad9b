namespace VisualMemory.Evaluation.Experiments;

/// <summary>Accuracy with one fraction of the memory's labels randomised.</summary>
/// <param name="Fraction">Fraction of memory items whose label was replaced by a uniformly random one.</param>
/// <param name="ActuallyWrong">Fraction of memory items whose label is now wrong (a random label can be the true one).</param>
/// <param name="Curves">Every aggregation at the table k values.</param>
public sealed record NoiseLevelResult(double Fraction, double ActuallyWrong, IReadOnlyList<AccuracyCurve> Curves)
{
    /// <summary>The curve of <paramref name="aggregation"/>.</summary>
    public AccuracyCurve Curve(string aggregation) => Curves.Single(c => c.Aggregation == aggregation);
}
