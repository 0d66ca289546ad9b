namespace VisualMemory.Core.Statistics;

/// <summary>The outcome of a two-sample Kolmogorov–Smirnov test.</summary>
/// <param name="Statistic">D = sup |F_a − F_b|, the largest gap between the two empirical CDFs, in [0, 1].</param>
/// <param name="PValue">
/// Probability, if both samples came from one continuous distribution, of a D at least this large; in [0, 1].
/// </param>
/// <param name="IsExact">
/// True when <see cref="PValue"/> comes from the exact null distribution, false when from the
/// asymptotic Kolmogorov distribution.
/// </param>
public readonly record struct KsResult(double Statistic, double PValue, bool IsExact);
