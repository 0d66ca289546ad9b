namespace VisualMemory.Evaluation.Experiments;

/// <summary>Calibration of the vote share as a confidence (research.md §1).</summary>
/// <param name="Entries">Rank voting at k = 10 and plurality voting at k = 100, when the retrieval reached them.</param>
public sealed record CalibrationResult(IReadOnlyList<CalibrationEntry> Entries);
