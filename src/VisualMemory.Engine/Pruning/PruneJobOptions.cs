using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Pruning;

namespace VisualMemory.Engine.Pruning;

/// <summary>
/// Settings of a pruning job (research.md §1). Defaults are the paper's: leave-one-out with k = 100,
/// blame only neighbours that voted for the wrong winner, γ = min(1, 1.75 / (1 + v)).
/// </summary>
/// <param name="K">Neighbours that vote for each memory sample (the sample itself excluded).</param>
/// <param name="Aggregation">How the neighbours' votes are combined when deciding whether a sample is misclassified.</param>
/// <param name="CountAllNeighbours">Blame every neighbour of a misclassified sample, not just those voting for the wrong winner.</param>
/// <param name="HardThreshold">Hard pruning removes samples with v at or above this; null picks it from the counts (<see cref="HardPruning.AutoThreshold"/>).</param>
/// <param name="SoftC">Soft-pruning c.</param>
/// <param name="SoftD">Soft-pruning d.</param>
public sealed record PruneJobOptions(
    int K = WrongContributionCounter.DefaultK,
    AggregationOptions? Aggregation = null,
    bool CountAllNeighbours = false,
    int? HardThreshold = null,
    double SoftC = SoftPruning.DefaultC,
    double SoftD = SoftPruning.DefaultD)
{
    /// <summary>The aggregation used, rank voting unless set.</summary>
    public AggregationOptions EffectiveAggregation => Aggregation ?? new AggregationOptions(AggregationKind.Rank);

    /// <summary>Null when the options are usable, otherwise what is wrong.</summary>
    public string? Problem() =>
        K is < 1 or > 1000 ? "k must be between 1 and 1000"
        : HardThreshold is < 1 ? "hardThreshold must be at least 1"
        : !(SoftC > 0) || double.IsInfinity(SoftC) ? "softC must be a positive finite number"
        : !(SoftD > 0) || double.IsInfinity(SoftD) ? "softD must be a positive finite number"
        : EffectiveAggregation.Problem();
}
