using VisualMemory.Core.Aggregation;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>The aggregations experiments compare, with research.md's default parameters.</summary>
public static class Aggregations
{
    /// <summary>Plurality, distance, softmax and rank voting.</summary>
    public static IReadOnlyList<AggregationOptions> All { get; } =
        [.. Enum.GetValues<AggregationKind>().Select(kind => new AggregationOptions(kind))];

    /// <summary>Rank voting, the paper's proposal.</summary>
    public static AggregationOptions Rank { get; } = new(AggregationKind.Rank);

    /// <summary>Plurality voting, the classic kNN baseline.</summary>
    public static AggregationOptions Plurality { get; } = new(AggregationKind.Plurality);
}
