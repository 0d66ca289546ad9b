namespace VisualMemory.Core.Evaluation;

/// <summary>One bar of a reliability diagram: the predictions whose confidence fell in [Lower, Upper).</summary>
/// <param name="Lower">Inclusive lower edge.</param>
/// <param name="Upper">Exclusive upper edge, except for the last bin, which also holds confidence 1.</param>
/// <param name="Count">Predictions in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence; 0 when <paramref name="Count"/> is 0.</param>
/// <param name="Accuracy">The fraction of them that were correct; 0 when <paramref name="Count"/> is 0.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);
