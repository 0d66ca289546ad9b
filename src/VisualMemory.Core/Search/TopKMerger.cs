namespace VisualMemory.Core.Search;

/// <summary>Merges per-shard (or per-segment) neighbour lists into one global top-k.</summary>
public static class TopKMerger
{
    /// <summary>
    /// The <paramref name="k"/> best neighbours across <paramref name="lists"/>, in
    /// <see cref="NeighborOrder"/>. Each input list must already be in that order; inputs may be
    /// shorter than k or empty. An id present in several lists is kept once, at its best position,
    /// so a stale copy can never take two slots.
    /// </summary>
    public static Neighbor[] Merge(IReadOnlyList<IReadOnlyList<Neighbor>> lists, int k)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (lists.Count == 1)
        {
            // One sorted list: its prefix is the answer (a list never repeats an id), and the hot
            // single-segment path skips the cursor loop and the id set.
            return [.. lists[0].Take(k)];
        }
        var cursors = new int[lists.Count];
        var result = new List<Neighbor>(k);
        var seen = new HashSet<long>();
        while (result.Count < k)
        {
            var best = -1;
            for (var i = 0; i < lists.Count; i++)
            {
                if (cursors[i] < lists[i].Count
                    && (best < 0 || NeighborOrder.Instance.Compare(lists[i][cursors[i]], lists[best][cursors[best]]) < 0))
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                break;
            }
            var next = lists[best][cursors[best]++];
            if (seen.Add(next.Id))
            {
                result.Add(next);
            }
        }
        return [.. result];
    }
}
