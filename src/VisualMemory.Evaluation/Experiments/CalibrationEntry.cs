using VisualMemory.Core.Evaluation;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>The reliability diagram and ECE of one aggregation at one k.</summary>
/// <param name="Aggregation">The aggregation's wire name.</param>
/// <param name="K">Neighbours that voted.</param>
/// <param name="Report">Bins, accuracy, mean confidence and ECE.</param>
public sealed record CalibrationEntry(string Aggregation, int K, CalibrationReport Report);
