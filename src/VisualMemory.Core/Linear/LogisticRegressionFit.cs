namespace VisualMemory.Core.Linear;

/// <summary>A trained head and how training went.</summary>
/// <param name="Head">The trained softmax head.</param>
/// <param name="EpochLosses">
/// Per epoch, the mean cross-entropy of the training rows as they were met during that epoch
/// (each measured before its own batch's step; the L2 term is not included).
/// </param>
public sealed record LogisticRegressionFit(LinearHead Head, IReadOnlyList<double> EpochLosses);
