namespace VisualMemory.Core.Aggregation;

/// <summary>
/// An aggregation and its parameters. Defaults are research.md's: τ = 0.07 (the DINO kNN protocol)
/// and α = 2 (so the nearest neighbour weighs 1/2, the next 1/3, ...).
/// </summary>
/// <param name="Kind">Which weighting to use.</param>
/// <param name="Tau">Softmax temperature; must be positive.</param>
/// <param name="Alpha">Rank offset; must be positive (α = 0 would divide by zero at rank 0).</param>
public sealed record AggregationOptions(AggregationKind Kind, double Tau = AggregationOptions.DefaultTau, double Alpha = AggregationOptions.DefaultAlpha)
{
    /// <summary>Default softmax temperature.</summary>
    public const double DefaultTau = 0.07;

    /// <summary>Default rank-voting offset.</summary>
    public const double DefaultAlpha = 2.0;

    /// <summary>The wire names of the aggregations, as accepted by <see cref="TryParseKind"/>.</summary>
    public static IReadOnlyList<string> KindNames { get; } = ["plurality", "distance", "softmax", "rank"];

    /// <summary>Parses a wire name ("plurality", "distance", "softmax", "rank"), case-insensitively.</summary>
    public static bool TryParseKind(string? name, out AggregationKind kind)
    {
        for (var i = 0; i < KindNames.Count; i++)
        {
            if (string.Equals(name, KindNames[i], StringComparison.OrdinalIgnoreCase))
            {
                kind = (AggregationKind)i;
                return true;
            }
        }
        kind = default;
        return false;
    }

    /// <summary>The wire name of <paramref name="kind"/>.</summary>
    public static string NameOf(AggregationKind kind) => KindNames[(int)kind];

    /// <summary>Null when the parameters are usable, otherwise what is wrong with them.</summary>
    public string? Problem() =>
        !(Tau > 0) || double.IsInfinity(Tau) ? "tau must be a positive finite number"
        : !(Alpha > 0) || double.IsInfinity(Alpha) ? "alpha must be a positive finite number"
        : null;
}
