namespace VisualMemory.Core.Pruning;

/// <summary>
/// Soft pruning (research.md §1): a memory sample with v wrong contributions keeps voting, with its
/// weight multiplied by γ(v) = min(1, d / (c + v)); γ(0) = 1.
/// </summary>
public sealed class SoftPruning
{
    /// <summary>The paper's c.</summary>
    public const double DefaultC = 1.0;

    /// <summary>The paper's d.</summary>
    public const double DefaultD = 1.75;

    /// <summary>Creates the rule; both parameters must be positive and finite.</summary>
    /// <param name="c">Offset added to v in the denominator.</param>
    /// <param name="d">Numerator.</param>
    public SoftPruning(double c = DefaultC, double d = DefaultD)
    {
        if (!(c > 0) || double.IsInfinity(c))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "c must be a positive finite number");
        }
        if (!(d > 0) || double.IsInfinity(d))
        {
            throw new ArgumentOutOfRangeException(nameof(d), d, "d must be a positive finite number");
        }
        C = c;
        D = d;
    }

    /// <summary>The rule with the paper's parameters, c = 1 and d = 1.75.</summary>
    public static SoftPruning Paper { get; } = new();

    /// <summary>Offset added to v in the denominator.</summary>
    public double C { get; }

    /// <summary>Numerator.</summary>
    public double D { get; }

    /// <summary>γ for a sample with <paramref name="wrongContributions"/> (v ≥ 0) wrong contributions; in (0, 1].</summary>
    public double Gamma(int wrongContributions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(wrongContributions);
        // v = 0 is pinned to 1 rather than left to the formula: with d < c the formula would
        // down-weight samples that were never blamed, and pruning must leave those untouched.
        return wrongContributions == 0 ? 1.0 : Math.Min(1.0, D / (C + wrongContributions));
    }

    /// <summary>
    /// γ per id for every id in <paramref name="counts"/>, as the float that
    /// <see cref="Search.Neighbor.Reliability"/> carries. Ids not in the result have γ = 1.
    /// </summary>
    public IReadOnlyDictionary<long, float> Reliabilities(IReadOnlyDictionary<long, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var result = new Dictionary<long, float>(counts.Count);
        foreach (var (id, v) in counts)
        {
            result[id] = (float)Gamma(v);
        }
        return result;
    }
}
