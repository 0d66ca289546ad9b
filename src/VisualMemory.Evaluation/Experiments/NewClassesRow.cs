namespace VisualMemory.Evaluation.Experiments;

/// <summary>Accuracy before and after adding the new classes, for one aggregation and k.</summary>
/// <param name="Aggregation">The aggregation's wire name.</param>
/// <param name="K">Neighbours that voted.</param>
/// <param name="OldBefore">Old-class queries right with the old classes only.</param>
/// <param name="OldAfter">Old-class queries right after the new classes were added.</param>
/// <param name="NewAfter">New-class queries right after the new classes were added (0 before: the memory had no such label).</param>
/// <param name="OldChanged">Old-class queries whose predicted label changed.</param>
/// <param name="OldPredictedNew">Old-class queries now predicted as one of the new classes.</param>
public sealed record NewClassesRow(string Aggregation, int K, double OldBefore, double OldAfter, double NewAfter, int OldChanged, int OldPredictedNew);
