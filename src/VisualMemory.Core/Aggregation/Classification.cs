namespace VisualMemory.Core.Aggregation;

/// <summary>A label and the summed vote weight it received.</summary>
/// <param name="Label">Label index in the memory's vocabulary.</param>
/// <param name="Score">Sum of the weights of the neighbours carrying this label.</param>
public readonly record struct LabelScore(int Label, double Score);

/// <summary>The outcome of aggregating one query's neighbours.</summary>
/// <param name="Label">The winning label, or null when there were no neighbours.</param>
/// <param name="Confidence">The winner's share of the total vote, in [0, 1].</param>
/// <param name="Scores">Every label that received a vote, best first.</param>
/// <param name="Weights">The weight of each neighbour, in neighbour order.</param>
public sealed record Classification(int? Label, double Confidence, IReadOnlyList<LabelScore> Scores, IReadOnlyList<double> Weights);
