namespace VisualMemory.Core.Evaluation;

/// <summary>How well confidences match accuracy over a set of predictions.</summary>
/// <param name="Bins">The reliability diagram, lowest confidence first; empty bins included.</param>
/// <param name="Count">Predictions scored.</param>
/// <param name="Accuracy">Overall fraction correct.</param>
/// <param name="MeanConfidence">Overall mean confidence.</param>
/// <param name="ExpectedCalibrationError">ECE = Σ_b (n_b / N) · |acc_b − conf_b| over the non-empty bins.</param>
public sealed record CalibrationReport(
    IReadOnlyList<CalibrationBin> Bins, int Count, double Accuracy, double MeanConfidence, double ExpectedCalibrationError);
