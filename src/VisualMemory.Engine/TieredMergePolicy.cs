namespace VisualMemory.Engine;

/// <summary>
/// Which sealed segments to fold together, as a log-structured merge: segments are grouped into size tiers
/// (each <see cref="FanIn"/> times the one below it) and <see cref="FanIn"/> segments of one tier become one of
/// the next. A row is then rewritten about log_FanIn(shard rows / <see cref="FloorRows"/>) times over its life,
/// while a shard keeps fewer than <see cref="FanIn"/> segments per tier, so a query's per-segment work (one
/// coarse assignment each) stays logarithmic in the shard's size instead of linear in its bulk-load chunks.
/// Pure: sizes in, positions out.
/// </summary>
/// <param name="FanIn">Segments of one tier merged at a time (at least 2).</param>
/// <param name="FloorRows">Segments below this many rows are all in the lowest tier (at least 1).</param>
/// <param name="MaxRows">No merge makes a segment of more rows than this.</param>
public sealed record TieredMergePolicy(int FanIn, int FloorRows, long MaxRows)
{
    /// <summary>
    /// Positions (into <paramref name="rows"/>) of the segments to merge next: the <see cref="FanIn"/> smallest of
    /// the lowest tier holding at least that many whose sum stays within <see cref="MaxRows"/>; empty when none.
    /// </summary>
    public IReadOnlyList<int> Choose(IReadOnlyList<long> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(FanIn, 2, nameof(FanIn));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloorRows, 1, nameof(FloorRows));
        var byTier = Enumerable.Range(0, rows.Count)
            .GroupBy(i => Tier(rows[i]))
            .OrderBy(g => g.Key);
        foreach (var tier in byTier)
        {
            var smallest = tier.OrderBy(i => rows[i]).ThenBy(i => i).Take(FanIn).ToList();
            if (smallest.Count == FanIn && smallest.Sum(i => rows[i]) <= MaxRows)
            {
                return smallest;
            }
        }
        return [];
    }

    /// <summary>The tier of a segment of <paramref name="rows"/> rows: 0 below <see cref="FloorRows"/>, then one more per factor of <see cref="FanIn"/>.</summary>
    public int Tier(long rows)
    {
        var tier = 0;
        for (var bound = (double)FloorRows; rows >= bound; bound *= FanIn)
        {
            tier++;
        }
        return tier;
    }
}
