namespace VisualMemory.Core.Linear;

/// <summary>Validation accuracy of JOINT-INF at one mixing weight.</summary>
/// <param name="Lambda">λ, the weight of the kNN distribution.</param>
/// <param name="Accuracy">Fraction of validation queries predicted correctly.</param>
public readonly record struct LambdaAccuracy(double Lambda, double Accuracy);
