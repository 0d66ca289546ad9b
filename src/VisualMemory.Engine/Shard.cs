using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// One partition of a memory: sealed FAISS segments plus one growing exact segment, and where each
/// live id is stored. Labels, sources and pruning state live in the segments' columns. Deletes mark
/// rows dead at once. Searches cover every segment, skip dead rows and return (id, label,
/// similarity) nearest first.
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
    private readonly Dictionary<long, (Segment Segment, int Row)> _items = [];
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

    /// <summary>Live items a search with <paramref name="pruning"/> can return (hard pruning hides the pruned ones).</summary>
    public long SearchableCount(PruningMode pruning) => Read(() =>
        _segments.Sum(s => (long)s.LiveCount - (pruning == PruningMode.Hard ? s.PrunedLiveCount : 0)));

    /// <summary>Rows in the growing segment, live or tombstoned: what the next seal will encode.</summary>
    public int GrowingRowCount => Read(() => _growing.RowCount);

    /// <summary>A snapshot of the shard's shape, for stats endpoints.</summary>
    public ShardStats Stats() => Read(() => new ShardStats(
        Number,
        _items.Count,
        _segments.Count(s => s.IsSealed),
        _segments.Where(s => s.IsSealed).Sum(s => (long)s.LiveCount),
        _segments.Where(s => !s.IsSealed).Sum(s => (long)s.LiveCount),
        _segments.Sum(s => (long)s.DeadCount)));

    /// <summary>
    /// Adds items, replacing any existing item with the same id. Vectors are rows of
    /// <see cref="Dimension"/> columns and must already be L2-normalised; sources are indexes into
    /// the memory's source vocabulary, -1 for none.
    /// </summary>
    public void Upsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<int> sources, ReadOnlySpan<float> vectors)
    {
        if (ids.Length != labels.Length || ids.Length != sources.Length || vectors.Length != ids.Length * Dimension)
        {
            throw new ArgumentException("ids, labels, sources and vectors disagree in count");
        }
        _lock.EnterWriteLock();
        try
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var vector = vectors.Slice(i * Dimension, Dimension);
                if (_items.TryGetValue(ids[i], out var old))
                {
                    if (old.Segment == _growing)
                    {
                        _growing.Overwrite(old.Row, labels[i], sources[i], vector);
                        continue;
                    }
                    Bury(old.Segment, old.Row);
                }
                _items[ids[i]] = (_growing, _growing.Append(ids[i], labels[i], sources[i], vector));
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
            Bury(old.Segment, old.Row);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Deletes every live item whose (label, source) satisfies <paramref name="match"/>, atomically
    /// with respect to searches. Returns the deleted ids.
    /// </summary>
    public IReadOnlyList<long> DeleteWhere(Func<int, int, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        _lock.EnterWriteLock();
        try
        {
            var doomed = _items.Where(i => match(i.Value.Segment.LabelAt(i.Value.Row), i.Value.Segment.SourceAt(i.Value.Row))).ToList();
            foreach (var (id, (segment, row)) in doomed)
            {
                _items.Remove(id);
                Bury(segment, row);
            }
            return [.. doomed.Select(d => d.Key)];
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>What is stored about a live item.</summary>
    public bool TryGetItem(long id, out StoredItem item)
    {
        _lock.EnterReadLock();
        try
        {
            if (!_items.TryGetValue(id, out var at))
            {
                item = default;
                return false;
            }
            var (segment, row) = at;
            item = new StoredItem(id, segment.LabelAt(row), segment.SourceAt(row), segment.ReliabilityAt(row), segment.IsPrunedAt(row));
            return true;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The stored vector of a live item (decoded for sealed PQ segments), or null.</summary>
    public float[]? VectorOf(long id)
    {
        _lock.EnterReadLock();
        try
        {
            return _items.TryGetValue(id, out var at) ? at.Segment.VectorOf(at.Row) : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Sets every live item's pruning state from <paramref name="stateOf"/> (reliability γ and hard-pruned flag).
    /// Items added later start unpruned with γ = 1.
    /// </summary>
    public void ApplyPruning(Func<long, (float Reliability, bool Pruned)> stateOf)
    {
        ArgumentNullException.ThrowIfNull(stateOf);
        _lock.EnterWriteLock();
        try
        {
            foreach (var (id, (segment, row)) in _items)
            {
                var (reliability, pruned) = stateOf(id);
                segment.SetPruning(row, reliability, pruned);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Every live item with its vector, segment by segment in batches of at most
    /// <paramref name="batchSize"/>: exact vectors from growing segments, decoded ones from sealed
    /// segments. Jobs that query the memory with its own samples (pruning) iterate this.
    /// Each batch is a consistent snapshot of its segment; writes between batches are allowed.
    /// </summary>
    public IEnumerable<ItemBatch> LiveItems(int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        List<Segment> segments = Read(() => _segments.ToList());
        foreach (var segment in segments)
        {
            int[] rows;
            float[] vectors;
            long[] ids;
            int[] labels;
            _lock.EnterReadLock();
            try
            {
                if (!_segments.Contains(segment))
                {
                    continue;
                }
                rows = [.. Enumerable.Range(0, segment.RowCount).Where(r => !segment.IsDeadAt(r))];
                vectors = segment.VectorsOf(rows);
                ids = [.. rows.Select(segment.IdAt)];
                labels = [.. rows.Select(segment.LabelAt)];
            }
            finally
            {
                _lock.ExitReadLock();
            }
            for (var start = 0; start < rows.Length; start += batchSize)
            {
                var count = Math.Min(batchSize, rows.Length - start);
                yield return new ItemBatch(
                    new ArraySegment<long>(ids, start, count),
                    new ArraySegment<int>(labels, start, count),
                    vectors.AsMemory(start * Dimension, count * Dimension));
            }
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest live items of each query row, in <see cref="NeighborOrder"/>.
    /// Queries must be L2-normalised.
    /// </summary>
    /// <param name="queries">Query rows.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="nprobe">IVF lists to visit in sealed segments; 0 keeps the index default.</param>
    /// <param name="pruning">How pruned samples are treated.</param>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int nprobe, PruningMode pruning = PruningMode.None)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var nq = queries.Length / Dimension;
        _lock.EnterReadLock();
        try
        {
            // Segments with nothing live (a fresh growing segment after a seal) cost nothing.
            var searched = _segments.Where(s => s.LiveCount > 0).ToList();
            if (searched.Count == 0)
            {
                var empty = new Neighbor[nq][];
                Array.Fill(empty, []);
                return empty;
            }
            if (searched.Count == 1)
            {
                return searched[0].Search(queries, k, nprobe, pruning);
            }
            var perSegment = new Neighbor[searched.Count][][];
            for (var s = 0; s < searched.Count; s++)
            {
                perSegment[s] = searched[s].Search(queries, k, nprobe, pruning);
            }
            var results = new Neighbor[nq][];
            var lists = new IReadOnlyList<Neighbor>[searched.Count];
            for (var q = 0; q < nq; q++)
            {
                for (var s = 0; s < searched.Count; s++)
                {
                    lists[s] = perSegment[s][q];
                }
                results[q] = TopKMerger.Merge(lists, k);
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
                var vectors = segment.ExactVectors();
                for (var r = 0; r < segment.RowCount && taken < max; r++)
                {
                    if (segment.IsDeadAt(r) || seen++ % step != 0)
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
        // The frozen vectors are immutable now, so the encode needs no lock. Dead rows are encoded
        // too (their flags stay valid, row numbers being the index's ids) and purged later.
        var vectors = frozen.ExactVectors();
        var rowCount = vectors.Length / Dimension;
        var rows = new long[rowCount];
        for (var r = 0; r < rows.Length; r++)
        {
            rows[r] = r;
        }
        var index = trainedTemplate.Clone();
        try
        {
            index.Add(vectors.Span, rows);
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
        return rowCount;
    }

    /// <summary>Writes the shard's items and segments; searches may continue, writes wait.</summary>
    internal void WriteTo(BinaryWriter writer)
    {
        _lock.EnterReadLock();
        try
        {
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
            // Live rows are the item map; at most one live row per id exists across segments.
            _items.Clear();
            foreach (var segment in segments)
            {
                for (var row = 0; row < segment.RowCount; row++)
                {
                    if (!segment.IsDeadAt(row))
                    {
                        _items.Add(segment.IdAt(row), (segment, row));
                    }
                }
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
    private void Bury(Segment segment, int row)
    {
        segment.Kill(row);
        PurgeIfNeeded(segment);
    }

    private void PurgeIfNeeded(Segment segment)
    {
        if (segment.IsSealed && segment.DeadSearchableCount >= _tombstonePurgeThreshold)
        {
            segment.PurgeDead();
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

