namespace VisualMemory.Core.Pruning;

/// <summary>A memory sample blamed by the pruning pass, for reports (which samples hurt most, and from which class).</summary>
/// <param name="Id">The sample's id.</param>
/// <param name="Label">Its label index, or null when the caller did not supply labels.</param>
/// <param name="Count">Its wrong-contribution count v.</param>
public sealed record PruneOffender(long Id, int? Label, int Count)
{
    /// <summary>
    /// The <paramref name="n"/> (≥ 0) samples with the largest v, by v descending and then id
    /// ascending, so equal counts come out in a fixed order. Samples with v = 0 are never listed.
    /// </summary>
    /// <param name="counts">v per sample id.</param>
    /// <param name="n">How many to return at most.</param>
    /// <param name="labelOf">Looks up a sample's label; null leaves every <see cref="Label"/> null.</param>
    public static IReadOnlyList<PruneOffender> TopOffenders(IReadOnlyDictionary<long, int> counts, int n, Func<long, int?>? labelOf = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return [.. counts
            .Where(entry => entry.Value > 0)
            .OrderByDescending(entry => entry.Value)
            .ThenBy(entry => entry.Key)
            .Take(n)
            .Select(entry => new PruneOffender(entry.Key, labelOf?.Invoke(entry.Key), entry.Value))];
    }
}
