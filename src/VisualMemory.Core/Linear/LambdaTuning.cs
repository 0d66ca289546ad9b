namespace VisualMemory.Core.Linear;

/// <summary>The outcome of tuning JOINT-INF's λ on validation data.</summary>
/// <param name="Lambda">The best λ (the largest among equally accurate ones).</param>
/// <param name="Accuracy">Its validation accuracy.</param>
/// <param name="Curve">Accuracy at every λ of the grid, in increasing λ.</param>
public sealed record LambdaTuning(double Lambda, double Accuracy, IReadOnlyList<LambdaAccuracy> Curve);
