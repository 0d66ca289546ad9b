namespace VisualMemory.Evaluation.Experiments;

/// <summary>How many predictions differ between the unlearned and the rebuilt memory for one aggregation and k.</summary>
/// <param name="Aggregation">The aggregation's wire name.</param>
/// <param name="K">Neighbours that voted.</param>
/// <param name="LabelDifferences">Queries whose predicted label differs.</param>
/// <param name="ConfidenceDifferences">Queries whose confidence differs in any bit.</param>
public sealed record UnlearningComparison(string Aggregation, int K, int LabelDifferences, int ConfidenceDifferences);
