namespace VisualMemory.Evaluation.Experiments;

/// <summary>Accuracy curves under one pruning mode.</summary>
/// <param name="Mode">"none", "hard" or "soft".</param>
/// <param name="Curves">Rank and plurality voting against k.</param>
public sealed record PruningModeResult(string Mode, IReadOnlyList<AccuracyCurve> Curves)
{
    /// <summary>The curve of <paramref name="aggregation"/>.</summary>
    public AccuracyCurve Curve(string aggregation) => Curves.Single(c => c.Aggregation == aggregation);
}
