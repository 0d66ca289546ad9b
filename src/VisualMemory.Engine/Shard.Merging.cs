using VisualMemory.Faiss;

namespace VisualMemory.Engine;

// Merging small sealed segments, a step of a checkpoint (the caller holds the checkpoint gate).
public sealed partial class Shard
{
    /// <summary>
    /// Combines the small sealed segments into one when there are at least
    /// <see cref="SegmentMerge.Count"/>: their live rows are copied (vectors decoded: exact for Flat,
    /// approximate for PQ) and encoded with <paramref name="template"/> outside the lock; under the
    /// write lock, rows deleted or replaced meanwhile are killed in the merged segment, the item map is
    /// pointed at it and the old segments are dropped (their objects go at the commit). Returns the
    /// number of segments merged (0 when none were).
    /// </summary>
    private int MergeSmallSegments(Func<FaissIndex> template, SegmentMerge merge)
    {
        var small = Read(() => _segments.Where(s => s.IsSealed && s.LiveCount < merge.SmallRows).ToList());
        if (small.Count < Math.Max(2, merge.Count))
        {
            return 0;
        }
        // Source of each merged row: (segment, row) it came from.
        var origin = new List<(Segment Segment, int Row)>();
        Segment merged;
        _lock.EnterReadLock();
        try
        {
            merged = new Segment(_nextSegmentNumber, Dimension, Math.Max(1, small.Sum(s => s.LiveCount)));
            foreach (var segment in small)
            {
                int[] live = [.. Enumerable.Range(0, segment.RowCount).Where(r => !segment.IsDeadAt(r))];
                var vectors = segment.VectorsOf(live);
                for (var i = 0; i < live.Length; i++)
                {
                    var row = live[i];
                    merged.Append(segment.IdAt(row), segment.LabelAt(row), segment.SourceAt(row), vectors.AsSpan(i * Dimension, Dimension));
                    origin.Add((segment, row));
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        merged.Freeze();
        var exact = merged.ExactVectors().ToArray();
        FaissIndex index;
        try
        {
            index = Encode(template(), exact, [.. Enumerable.Range(0, merged.RowCount).Select(r => (long)r)]);
        }
        catch
        {
            merged.Dispose();
            throw;
        }

        _lock.EnterWriteLock();
        try
        {
            merged.Seal(index);
            _nextSegmentNumber++;
            for (var row = 0; row < origin.Count; row++)
            {
                var (segment, oldRow) = origin[row];
                var id = merged.IdAt(row);
                if (_items.TryGetValue(id, out var at) && at.Segment == segment && at.Row == oldRow)
                {
                    // Pruning may have changed since the copy; the old row has the current state.
                    merged.SetPruning(row, segment.ReliabilityAt(oldRow), segment.IsPrunedAt(oldRow));
                    _items[id] = (merged, row);
                }
                else
                {
                    merged.Kill(row);
                }
            }
            foreach (var segment in small)
            {
                _segments.Remove(segment);
                segment.Dispose();
            }
            // Before the growing segment, so replayed or new writes still land last.
            _segments.Insert(Math.Max(0, _segments.IndexOf(_growing)), merged);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        return small.Count;
    }
}
