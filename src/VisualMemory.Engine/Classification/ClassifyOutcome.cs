using VisualMemory.Core.Hierarchy;

namespace VisualMemory.Engine.Classification;

/// <summary>A neighbour as an explanation shows it.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Label">Item label.</param>
/// <param name="Similarity">Cosine similarity to the query.</param>
/// <param name="Weight">The weight its vote carried (reliability included).</param>
/// <param name="Reliability">Its soft-pruning reliability γ as used by this query (1 when not soft-pruned).</param>
/// <param name="Source">Its source tag, or null.</param>
public sealed record ExplainedNeighbor(long Id, string Label, float Similarity, double Weight, float Reliability, string? Source);

/// <summary>The result of classifying one query.</summary>
/// <param name="Label">Predicted label.</param>
/// <param name="Confidence">Vote share of the winner (for JOINT-INF: its probability).</param>
/// <param name="Scores">Summed vote (or probability) per label that got any.</param>
/// <param name="Neighbors">The voters, when an explanation was asked for.</param>
/// <param name="Residual">The classification of the residual query, when asked for and the memory allowed one.</param>
/// <param name="Levels">Per-level predictions, when a hierarchy was asked for.</param>
/// <param name="Lambda">The JOINT-INF λ used, or null for plain kNN.</param>
public sealed record ClassifyOutcome(
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double> Scores,
    IReadOnlyList<ExplainedNeighbor>? Neighbors,
    ClassifyOutcome? Residual,
    IReadOnlyList<LevelPrediction>? Levels,
    double? Lambda);
