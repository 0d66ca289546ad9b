namespace VisualMemory.Core.Evaluation;

/// <summary>How one memory item's removal changes the test predictions (see <see cref="InfluenceAudit"/>).</summary>
/// <param name="Id">The memory item's id.</param>
/// <param name="ChangedPredictions">Test queries whose prediction changes when this item alone is removed; at least 1.</param>
/// <param name="CorrectToWrong">Of those, the ones that were right and become wrong.</param>
/// <param name="WrongToCorrect">Of those, the ones that were wrong and become right. The rest change from one wrong label to another.</param>
public sealed record ItemInfluence(long Id, int ChangedPredictions, int CorrectToWrong, int WrongToCorrect);
