namespace VisualMemory.Evaluation.Reporting;

/// <summary>One named line of a chart: points (x, y) in drawing order.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">The points, in x order.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points);
