namespace VisualMemory.Evaluation.Experiments;

/// <summary>Top-1 accuracy at one k.</summary>
/// <param name="K">Neighbours that voted.</param>
/// <param name="Accuracy">Fraction of queries predicted correctly.</param>
public sealed record KAccuracy(int K, double Accuracy);
