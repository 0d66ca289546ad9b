using VisualMemory.Faiss;

namespace VisualMemory.Engine;

// Merging small sealed segments, a step of a checkpoint (the caller holds the checkpoint gate).
public sealed partial class Shard
{
    /// <summary>
    /// Merges sealed segments: those whose codes fit the memory's trained IVF template by moving the codes
    /// (<see cref="MergeByCodes"/>, tiered), the other small ones by re-encoding (below). Returns the number
    /// of segments merged.
    /// </summary>
    /// <remarks>
    /// Re-encoding combines the small sealed segments into one when there are at least
    /// <see cref="SegmentMerge.Count"/>: their live rows are copied (vectors decoded: exact for Flat,
    /// approximate for PQ) and encoded with <paramref name="template"/> outside the lock; under the
    /// write lock, rows deleted or replaced meanwhile are killed in the merged segment, the item map is
    /// pointed at it and the old segments are dropped (their objects go at the commit). Returns the
    /// number of segments merged (0 when none were).
    /// </remarks>
    private int MergeSegments(Func<FaissIndex> template, SegmentMerge merge)
    {
        if (Read(() => _segments.Count(s => s.IsSealed)) < Math.Max(2, merge.Count))
        {
            return 0;
        }
        // Sealed segments exist, so the quantizer is trained: this returns the memory's template, not a new one.
        var trained = template();
        var merged = 0;
        if (trained.NList > 0)
        {
            var maxRows = Math.Min(merge.MaxBytes / (trained.CodeSize + sizeof(long)), int.MaxValue);
            var policy = new TieredMergePolicy(Math.Max(2, merge.Count), merge.SmallRows, maxRows);
            int folded;
            while ((folded = MergeByCodes(trained, policy)) > 0)
            {
                merged += folded;
            }
        }
        // What the codes cannot merge (Flat segments, or codes of a quantizer since replaced) is re-encoded.
        return merged + MergeSmallSegments(template, merge, trained.NList > 0 ? trained : null);
    }

    /// <summary>
    /// Folds the segments <paramref name="policy"/> picks among those whose codes fit <paramref name="trained"/>
    /// into one, moving their IVF codes without decoding them (exact, and cheap: a copy of the inverted lists).
    /// Rows keep their order, so row r of part p is row offset(p) + r of the merged segment; the indexes are
    /// cloned under the read lock and merged outside it, and under the write lock rows deleted or replaced
    /// meanwhile are killed, the item map is pointed at the merged segment and the parts are dropped (their
    /// objects go at the commit). Returns the number of segments folded (0 when the policy picked none).
    /// </summary>
    private int MergeByCodes(FaissIndex trained, TieredMergePolicy policy)
    {
        List<Segment> parts;
        Segment merged;
        var clones = new List<FaissIndex>();
        _lock.EnterReadLock();
        try
        {
            var candidates = _segments.Where(s => s.IsSealed && s.SharesCodesWith(trained)).ToList();
            parts = [.. policy.Choose([.. candidates.Select(s => (long)s.RowCount)]).Select(i => candidates[i])];
            if (parts.Count < 2)
            {
                return 0;
            }
            merged = Segment.Concatenate(_nextSegmentNumber, Dimension, parts);
            foreach (var part in parts)
            {
                clones.Add(part.CloneIndex());
            }
        }
        catch
        {
            clones.ForEach(c => c.Dispose());
            throw;
        }
        finally
        {
            _lock.ExitReadLock();
        }

        var index = clones[0];
        try
        {
            long offset = parts[0].RowCount;
            for (var i = 1; i < parts.Count; i++)
            {
                index.MergeFrom(clones[i], offset);
                offset += parts[i].RowCount;
            }
        }
        catch
        {
            clones.ForEach(c => c.Dispose());
            merged.Dispose();
            throw;
        }
        for (var i = 1; i < clones.Count; i++)
        {
            clones[i].Dispose();
        }

        _lock.EnterWriteLock();
        try
        {
            SwapIn(merged, index, parts.SelectMany(p => Enumerable.Range(0, p.RowCount).Select(r => (p, r))), parts, _segments.IndexOf(parts[0]));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        return parts.Count;
    }

    private int MergeSmallSegments(Func<FaissIndex> template, SegmentMerge merge, FaissIndex? mergedByCodes)
    {
        var small = Read(() => _segments.Where(s => s.IsSealed && s.LiveCount < merge.SmallRows
            && (mergedByCodes is null || !s.SharesCodesWith(mergedByCodes))).ToList());
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
            // Before the growing segment, so replayed or new writes still land last.
            SwapIn(merged, index, origin, small, Math.Max(0, _segments.IndexOf(_growing)));
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        return small.Count;
    }

    /// <summary>
    /// Under the write lock, after a merge built <paramref name="merged"/> outside it: seals it with
    /// <paramref name="index"/>; each row whose origin (in <paramref name="origins"/>, in row order) is still its
    /// item's live copy takes over from it, with the origin's current pruning, and the others, deleted or replaced
    /// meanwhile, die (rows dead at the copy stay dead); then the parts leave and the merged segment goes in at
    /// <paramref name="position"/> (counted before the parts leave).
    /// </summary>
    private void SwapIn(Segment merged, FaissIndex index, IEnumerable<(Segment Segment, int Row)> origins, IReadOnlyList<Segment> parts, int position)
    {
        merged.Seal(index);
        _nextSegmentNumber++;
        var row = 0;
        foreach (var (part, oldRow) in origins)
        {
            if (!merged.IsDeadAt(row))
            {
                var id = merged.IdAt(row);
                if (_items.TryGetValue(id, out var at) && at.Segment == part && at.Row == oldRow)
                {
                    // Pruning may have changed since the copy; the origin row has the current state.
                    merged.SetPruning(row, part.ReliabilityAt(oldRow), part.IsPrunedAt(oldRow));
                    _items[id] = (merged, row);
                }
                else
                {
                    merged.Kill(row);
                }
            }
            row++;
        }
        var before = _segments.Take(position).Count(parts.Contains);
        foreach (var part in parts)
        {
            _segments.Remove(part);
            part.Dispose();
        }
        _segments.Insert(Math.Min(position - before, _segments.Count), merged);
    }
}
