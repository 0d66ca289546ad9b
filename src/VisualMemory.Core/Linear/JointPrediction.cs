namespace VisualMemory.Core.Linear;

/// <summary>The JOINT-INF prediction for one query.</summary>
/// <param name="Label">The class with the largest combined probability (equal values go to the lowest index).</param>
/// <param name="Confidence">The combined probability of <paramref name="Label"/>.</param>
/// <param name="Probabilities">The combined distribution over all classes.</param>
public sealed record JointPrediction(int Label, double Confidence, IReadOnlyList<double> Probabilities);
