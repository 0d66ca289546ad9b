using VisualMemory.Core.Search;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// One partition of a memory: sealed FAISS segments plus one growing exact segment, the label of
/// every live id, and tombstones for deletes. Searches cover every segment, skip tombstoned ids and
/// return (id, label, similarity) nearest first.
/// </summary>
/// <remarks>
/// Thread-safe. Searches share a read lock; writes take the write lock briefly. Sealing encodes
/// a frozen segment outside the lock, so queries and writes continue while an index is built.
/// </remarks>
public sealed class Shard : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly SemaphoreSlim _sealing = new(1, 1);
    private readonly List<Segment> _segments = [];
    private readonly Dictionary<long, (int Label, Segment Segment)> _items = [];
    private readonly int _tombstonePurgeThreshold;
    private Segment _growing;
    private long _nextSegmentNumber;

    /// <summary>Creates an empty shard.</summary>
    /// <param name="number">Shard number within its memory.</param>
    /// <param name="dimension">Vector dimension.</param>
    /// <param name="tombstonePurgeThreshold">Tombstones a sealed segment may collect before they are removed from its index.</param>
    public Shard(int number, int dimension, int tombstonePurgeThreshold = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Number = number;
        Dimension = dimension;
        _tombstonePurgeThreshold = tombstonePurgeThreshold;
        _growing = NewGrowingSegment();
    }

    /// <summary>Shard number within its memory.</summary>
    public int Number { get; }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Live items.</summary>
    public int Count => Read(() => _items.Count);

    /// <summary>Rows in the growing segment, live or tombstoned: what the next seal will encode.</summary>
    public int GrowingRowCount => Read(() => _growing.RowCount);

    /// <summary>A snapshot of the shard's shape, for stats endpoints.</summary>
    public ShardStats Stats() => Read(() => new ShardStats(
        Number,
        _items.Count,
        _segments.Count(s => s.IsSealed),
        _segments.Where(s => s.IsSealed).Sum(s => (long)s.LiveCount),
        _segments.Where(s => !s.IsSealed).Sum(s => (long)s.LiveCount),
        _segments.Sum(s => (long)s.Tombstones.Count)));

    /// <summary>
    /// Adds items, replacing any existing item with the same id. Vectors are rows of
    /// <see cref="Dimension"/> columns and must already be L2-normalised.
    /// </summary>
    public void Upsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<float> vectors)
    {
        if (ids.Length != labels.Length || vectors.Length != ids.Length * Dimension)
        {
            throw new ArgumentException("ids, labels and vectors disagree in count");
        }
        _lock.EnterWriteLock();
        try
        {
            for (var i = 0; i < ids.Length; i++)
            {
                if (_items.TryGetValue(ids[i], out var old) && old.Segment != _growing)
                {
                    Bury(ids[i], old.Segment);
                }
                _growing.Upsert(ids[i], vectors.Slice(i * Dimension, Dimension));
                _items[ids[i]] = (labels[i], _growing);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Deletes an item; false if the id is not stored. Once this returns no search sees it.</summary>
    public bool Delete(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_items.Remove(id, out var old))
            {
                return false;
            }
            Bury(id, old.Segment);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The label index of a live item.</summary>
    public bool TryGetLabel(long id, out int label)
    {
        _lock.EnterReadLock();
        try
        {
            var found = _items.TryGetValue(id, out var item);
            label = item.Label;
            return found;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest live items of each query row, in <see cref="NeighborOrder"/>.
    /// Queries must be L2-normalised.
    /// </summary>
    /// <param name="queries">Query rows.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="nprobe">IVF lists to visit in sealed segments; 0 keeps the index default.</param>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int nprobe)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var nq = queries.Length / Dimension;
        _lock.EnterReadLock();
        try
        {
            // Segments with nothing live (a fresh growing segment after a seal) cost nothing.
            var searched = _segments.Where(s => s.LiveCount > 0).ToList();
            var perSegment = new List<(long Id, float Similarity)>[searched.Count][];
            for (var s = 0; s < searched.Count; s++)
            {
                perSegment[s] = searched[s].Search(queries, k, nprobe);
            }
            var results = new Neighbor[nq][];
            var lists = new IReadOnlyList<Neighbor>[searched.Count];
            for (var q = 0; q < nq; q++)
            {
                for (var s = 0; s < searched.Count; s++)
                {
                    var hits = perSegment[s][q];
                    var list = new Neighbor[hits.Count];
                    for (var j = 0; j < hits.Count; j++)
                    {
                        list[j] = new Neighbor(hits[j].Id, _items[hits[j].Id].Label, hits[j].Similarity);
                    }
                    // FAISS leaves the order of equal scores open; the merge needs the total order.
                    Array.Sort(list, NeighborOrder.Instance);
                    lists[s] = list;
                }
                results[q] = searched.Count == 0 ? [] : TopKMerger.Merge(lists, k);
            }
            return results;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Live rows of the exact (growing or frozen) segments, at most <paramref name="max"/>, as
    /// training data for the memory's index. Rows are spread evenly over what is stored.
    /// </summary>
    public float[] SampleExactRows(int max)
    {
        _lock.EnterReadLock();
        try
        {
            var rows = new List<float>();
            var exact = _segments.Where(s => !s.IsSealed).ToList();
            var live = exact.Sum(s => s.LiveCount);
            var step = Math.Max(1, live / Math.Max(1, max));
            var taken = 0;
            var seen = 0;
            foreach (var segment in exact)
            {
                var (vectors, ids) = segment.ExactRows();
                for (var r = 0; r < ids.Length && taken < max; r++)
                {
                    if (segment.Tombstones.Contains(ids.Span[r]) || seen++ % step != 0)
                    {
                        continue;
                    }
                    rows.AddRange(vectors.Span.Slice(r * Dimension, Dimension));
                    taken++;
                }
            }
            return [.. rows];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Encodes the growing segment (and any segment an earlier failed seal left frozen) into sealed
    /// segments, each with its own copy of <paramref name="trainedTemplate"/> (a trained, empty
    /// index). Returns the number of rows sealed; 0 when there was nothing to seal or another seal of
    /// this shard is in progress.
    /// </summary>
    public int Seal(FaissIndex trainedTemplate)
    {
        ArgumentNullException.ThrowIfNull(trainedTemplate);
        if (!_sealing.Wait(0))
        {
            return 0;
        }
        try
        {
            List<Segment> frozen;
            _lock.EnterWriteLock();
            try
            {
                if (_growing.RowCount > 0)
                {
                    _growing.Freeze();
                    _growing = NewGrowingSegment();
                }
                // Segments frozen by an earlier seal whose encode failed are retried here.
                frozen = [.. _segments.Where(s => s.IsFrozen && !s.IsSealed)];
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            var sealedRows = 0;
            foreach (var segment in frozen)
            {
                sealedRows += SealFrozen(segment, trainedTemplate);
            }
            return sealedRows;
        }
        finally
        {
            _sealing.Release();
        }
    }

    private int SealFrozen(Segment frozen, FaissIndex trainedTemplate)
    {
        // The frozen rows are immutable now, so the encode needs no lock. Tombstoned rows are
        // encoded too: their tombstones stay valid because the ids are the same.
        var (vectors, ids) = frozen.ExactRows();
        var index = trainedTemplate.Clone();
        try
        {
            index.Add(vectors.Span, ids.Span);
        }
        catch
        {
            index.Dispose();
            throw;
        }

        _lock.EnterWriteLock();
        try
        {
            frozen.Seal(index);
            PurgeIfNeeded(frozen);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        return ids.Length;
    }

    /// <summary>Writes the shard's items and segments; searches may continue, writes wait.</summary>
    internal void WriteTo(BinaryWriter writer)
    {
        _lock.EnterReadLock();
        try
        {
            writer.Write(_items.Count);
            foreach (var (id, item) in _items)
            {
                writer.Write(id);
                writer.Write(item.Label);
                writer.Write(item.Segment.Number);
            }
            writer.Write(_segments.Count);
            foreach (var segment in _segments)
            {
                segment.WriteTo(writer);
            }
            writer.Write(_nextSegmentNumber);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Replaces this (empty) shard's state with one written by <see cref="WriteTo"/>.</summary>
    internal void ReadFrom(BinaryReader reader)
    {
        var items = new (long Id, int Label, long Segment)[reader.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt64());
        }
        var segments = new Segment[reader.ReadInt32()];
        for (var s = 0; s < segments.Length; s++)
        {
            segments[s] = Segment.ReadFrom(reader, Dimension);
        }
        _lock.EnterWriteLock();
        try
        {
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }
            _segments.Clear();
            _segments.AddRange(segments);
            // Only the newest exact segment keeps growing; older exact ones were mid-seal and wait for the next seal.
            var growing = segments.LastOrDefault(s => !s.IsSealed);
            foreach (var segment in segments.Where(s => !s.IsSealed && s != growing))
            {
                segment.Freeze();
            }
            _nextSegmentNumber = reader.ReadInt64();
            _growing = growing ?? NewGrowingSegment();
            var byNumber = segments.ToDictionary(s => s.Number);
            _items.Clear();
            foreach (var (id, label, segment) in items)
            {
                _items[id] = (label, byNumber[segment]);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Frees every segment's native index.</summary>
    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            segment.Dispose();
        }
        _lock.Dispose();
        _sealing.Dispose();
    }

    private Segment NewGrowingSegment()
    {
        var segment = new Segment(_nextSegmentNumber++, Dimension);
        _segments.Add(segment);
        return segment;
    }

    // Caller holds the write lock. Marks the stored row dead; drops a segment that no longer holds anything live.
    private void Bury(long id, Segment segment)
    {
        segment.Tombstones.Add(id);
        PurgeIfNeeded(segment);
    }

    private void PurgeIfNeeded(Segment segment)
    {
        if (segment.IsSealed && segment.Tombstones.Count >= _tombstonePurgeThreshold)
        {
            segment.PurgeTombstones();
        }
        if (segment != _growing && segment.IsSealed && segment.LiveCount == 0)
        {
            _segments.Remove(segment);
            segment.Dispose();
        }
    }

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}

/// <summary>Counts describing one shard.</summary>
/// <param name="Shard">Shard number.</param>
/// <param name="Items">Live items.</param>
/// <param name="SealedSegments">Segments with a FAISS index.</param>
/// <param name="SealedItems">Live items in sealed segments.</param>
/// <param name="GrowingItems">Live items in exact (growing or frozen) segments.</param>
/// <param name="Tombstones">Deleted or replaced rows still stored.</param>
public sealed record ShardStats(int Shard, int Items, int SealedSegments, long SealedItems, long GrowingItems, long Tombstones);
