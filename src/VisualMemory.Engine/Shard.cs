using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Engine.Durability;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// One partition of a memory: sealed FAISS segments plus one growing exact segment, and where each
/// live id is stored. Labels, sources and pruning state live in the segments' columns. Deletes mark
/// rows dead at once. Searches cover every segment, skip dead rows and return (id, label,
/// similarity) nearest first.
/// </summary>
/// <remarks>
/// <para>Thread-safe. Searches share a read lock; writes take the write lock briefly. Sealing encodes
/// a frozen segment outside the lock, so queries and writes continue while an index is built.</para>
/// <para>With a <see cref="ShardStore"/> the shard is durable: every write is queued to the
/// write-ahead log under the write lock (so log order is apply order) and the returned task completes
/// once it is fsynced; a checkpoint (<see cref="CheckpointAsync"/>) seals the growing segment,
/// rewrites sealed segments that hold deleted rows (compaction), stores them and truncates the log.</para>
/// </remarks>
public sealed partial class Shard : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly SemaphoreSlim _sealing = new(1, 1);
    private readonly List<Segment> _segments = [];
    private readonly Dictionary<long, (Segment Segment, int Row)> _items = [];
    // Bulk-load origins attached to this shard and the rows each added; stored in the shard manifest.
    private readonly Dictionary<string, long> _origins = new(StringComparer.Ordinal);
    // Those of _origins a durable manifest names (a commit can fail after the attach).
    private readonly HashSet<string> _storedOrigins = new(StringComparer.Ordinal);
    private readonly int _tombstonePurgeThreshold;
    private Segment _growing;
    private long _nextSegmentNumber;
    private DateTimeOffset _growingSince = DateTimeOffset.UtcNow;

    /// <summary>Creates an empty shard.</summary>
    /// <param name="number">Shard number within its memory.</param>
    /// <param name="dimension">Vector dimension.</param>
    /// <param name="tombstonePurgeThreshold">Tombstones a sealed segment may collect before they are removed from its index.</param>
    /// <param name="store">Durable storage, or null for a shard that lives in memory only.</param>
    public Shard(int number, int dimension, int tombstonePurgeThreshold = 1024, ShardStore? store = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Number = number;
        Dimension = dimension;
        Store = store;
        _tombstonePurgeThreshold = tombstonePurgeThreshold;
        _growing = NewGrowingSegment();
    }

    /// <summary>The shard's durable storage, or null when it lives in memory only.</summary>
    public ShardStore? Store { get; }

    /// <summary>How long the oldest unsealed write has waited (zero when the growing segment is empty).</summary>
    public TimeSpan GrowingAge => Read(() => _growing.RowCount == 0 ? TimeSpan.Zero : DateTimeOffset.UtcNow - _growingSince);

    /// <summary>Rows deleted from stored segments since they were written: what a compaction would forget.</summary>
    public long DeadInStoredSegments => Read(() => _segments.Sum(s => (long)s.DeadSinceStored) + _rowsOfDroppedStoredSegments);

    // Rows of stored segments dropped from memory (everything in them deleted) whose objects the next checkpoint deletes.
    private long _rowsOfDroppedStoredSegments;

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
        _segments.Sum(s => (long)s.DeadCount))
    {
        RamBytes = _segments.Sum(s => s.RamBytes) + (long)_items.Count * 48,
        StoredSegments = _segments.Count(s => s.StoredNumber is not null),
        StoredSegmentBytes = _segments.Sum(s => s.StoredBytes),
        LogBytes = Store?.Log.SizeBytes ?? 0,
        LogRecords = Store is { } store ? store.Log.NextPosition - Math.Max(store.Log.FirstPosition, store.CoveredPosition) : 0,
        ManifestGeneration = Store?.Generation ?? -1,
    });

    /// <summary>
    /// Adds items, replacing any existing item with the same id. Vectors are rows of
    /// <see cref="Dimension"/> columns and must already be L2-normalised; sources are indexes into
    /// the memory's source vocabulary, -1 for none. Returns a task that completes once the write
    /// is durable (at once without a store).
    /// </summary>
    /// <param name="ids">Item ids.</param>
    /// <param name="labels">Label indexes.</param>
    /// <param name="sources">Source indexes, -1 for none.</param>
    /// <param name="vectors">One normalised row per id.</param>
    /// <param name="logRecord">The write as a <see cref="ShardLogRecord"/> payload; required when the shard has a store, null when replaying.</param>
    public Task<long> Upsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<int> sources, ReadOnlySpan<float> vectors, byte[]? logRecord = null) =>
        Upsert(ids, labels, sources, vectors, logRecord, log: true);

    /// <summary>Applies an upsert read back from the log (<see cref="LoadAsync"/>), without logging it again.</summary>
    public void ReplayUpsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<int> sources, ReadOnlySpan<float> vectors) =>
        Upsert(ids, labels, sources, vectors, null, log: false);

    private Task<long> Upsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<int> sources, ReadOnlySpan<float> vectors, byte[]? logRecord, bool log)
    {
        if (ids.Length != labels.Length || ids.Length != sources.Length || vectors.Length != ids.Length * Dimension)
        {
            throw new ArgumentException("ids, labels, sources and vectors disagree in count");
        }
        _lock.EnterWriteLock();
        try
        {
            var durable = log ? Log(logRecord) : Task.FromResult(0L);
            if (_growing.RowCount == 0)
            {
                _growingSince = DateTimeOffset.UtcNow;
            }
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
            return durable;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Deletes the stored items among <paramref name="ids"/> and returns them, with a task that
    /// completes (with the delete's log position, 0 without a store or when nothing was deleted)
    /// once the delete is durable. Once this returns no search sees them.
    /// </summary>
    /// <param name="ids">Ids to delete; unknown ones are ignored.</param>
    /// <param name="log">False when replaying the log itself.</param>
    public (IReadOnlyList<long> Deleted, Task<long> Durable) Delete(IReadOnlyList<long> ids, bool log = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _lock.EnterWriteLock();
        try
        {
            List<long> present = [.. ids.Distinct().Where(_items.ContainsKey)];
            if (present.Count == 0)
            {
                return ([], Task.FromResult(0L));
            }
            var durable = log ? Log(ShardLogRecord.EncodeDelete(present)) : Task.FromResult(0L);
            foreach (var id in present)
            {
                _items.Remove(id, out var old);
                Bury(old.Segment, old.Row);
            }
            return (present, durable);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Deletes every live item whose (label, source) satisfies <paramref name="match"/>, atomically
    /// with respect to searches. Returns the deleted ids and a task that completes once the delete
    /// is durable (see <see cref="Delete"/>).
    /// </summary>
    public (IReadOnlyList<long> Deleted, Task<long> Durable) DeleteWhere(Func<int, int, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        _lock.EnterWriteLock();
        try
        {
            var doomed = _items.Where(i => match(i.Value.Segment.LabelAt(i.Value.Row), i.Value.Segment.SourceAt(i.Value.Row))).ToList();
            List<long> ids = [.. doomed.Select(d => d.Key)];
            if (ids.Count == 0)
            {
                return ([], Task.FromResult(0L));
            }
            var durable = Log(ShardLogRecord.EncodeDelete(ids));
            foreach (var (id, (segment, row)) in doomed)
            {
                _items.Remove(id);
                Bury(segment, row);
            }
            return (ids, durable);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// The rows bulk-load origin <paramref name="origin"/> added when a checkpoint attached it to this
    /// shard (kept after those rows are deleted, merged or compacted), or null when it never was.
    /// </summary>
    public long? OriginRows(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return Read(() => _origins.TryGetValue(origin, out var rows) ? rows : (long?)null);
    }

    /// <summary>
    /// True when origin <paramref name="origin"/> is registered and a durable manifest says so (always,
    /// once registered, for a shard without a store). False after an attach whose commit failed,
    /// until a later checkpoint succeeds.
    /// </summary>
    public bool IsOriginStored(string origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return Read(() => Store is null ? _origins.ContainsKey(origin) : _storedOrigins.Contains(origin));
    }

    /// <summary>For each id, whether it is live in the shard now (one read lock for all).</summary>
    public bool[] AreLive(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Read(() => ids.Select(_items.ContainsKey).ToArray());
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
    /// <param name="assigned">Coarse lists assigned once for these queries (by the memory, on its quantizer); sealed
    /// segments with the same centroids use them instead of assigning again. Null: each segment assigns its own.</param>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int nprobe, PruningMode pruning = PruningMode.None, CoarseAssignment? assigned = null)
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
                return searched[0].Search(queries, k, nprobe, pruning, assigned);
            }
            var perSegment = new Neighbor[searched.Count][][];
            for (var s = 0; s < searched.Count; s++)
            {
                perSegment[s] = searched[s].Search(queries, k, nprobe, pruning, assigned);
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
    /// this shard is in progress. A durable shard also stores the result (see <see cref="CheckpointAsync"/>).
    /// </summary>
    public int Seal(FaissIndex trainedTemplate)
    {
        ArgumentNullException.ThrowIfNull(trainedTemplate);
        return CheckpointAsync(() => trainedTemplate, null, wait: false, merge: null, attach: null).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Seals the growing segment and, for a durable shard, makes the shard's state durable in object
    /// storage so its log can be truncated. Steps, each safe to interrupt:
    /// (1) under the write lock: freeze the growing segment, rotate the log at position P (every
    /// write before P is in a frozen or sealed segment, every write from P on is in the new growing
    /// one) and attach <paramref name="attach"/>, if given (see below); (2) outside the lock: encode the frozen rows still live with <paramref name="template"/>;
    /// (3) under the write lock: swap the index in, and take the stored form of every sealed segment
    /// that is not stored yet or holds rows deleted since it was (compaction: dead rows leave the
    /// index, their columns are blanked, the copy gets a new object number); (4) run
    /// <paramref name="beforeCommit"/> (the memory stores its vocabularies, which the segments
    /// reference); (5) write the segment objects, then the manifest covering P, then truncate the log
    /// before P and delete the objects no manifest names. Returns the rows sealed.
    /// <para>Attaching registers rows encoded beforehand (a bulk load) as a sealed segment of the shard:
    /// rows whose id is live in the shard, or repeats one earlier in the segment, are killed first
    /// (bulk rows never replace items), the rest join the item map, and the origin is registered with
    /// the rows it added. Nothing is attached when the origin was registered before. The result is in
    /// <see cref="EncodedSegment.Attachment"/>. It happens here, at the rotation, because the log
    /// position P is what makes it durable without the log: the segment is stored with the others and
    /// named by the manifest covering P, so a restart loads it and then replays only writes from P on,
    /// all of which came after it. (Attached at any other moment, a delete logged before it but
    /// replayed after it would kill an item re-loaded after that delete.)</para>
    /// </summary>
    /// <param name="template">Gives the trained, empty index to copy; called only when there are rows to seal.</param>
    /// <param name="beforeCommit">Runs before the manifest is written; null for none.</param>
    /// <param name="wait">Wait for a checkpoint in progress instead of returning 0 at once.</param>
    /// <param name="merge">When to merge small sealed segments first (see <see cref="SegmentMerge"/>); null never.</param>
    /// <param name="attach">Pre-encoded rows to attach (a bulk load), or null; with it the call always waits for the gate.</param>
    /// <param name="cancellationToken">Cancels the wait and the storage calls.</param>
    public async Task<int> CheckpointAsync(Func<FaissIndex> template, Func<Task>? beforeCommit, bool wait = true, SegmentMerge? merge = null,
        EncodedSegment? attach = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!await _sealing.WaitAsync(wait || attach is not null ? Timeout.Infinite : 0, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }
        try
        {
            List<Segment> frozen;
            long position = 0;
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
                if (Store is { } store)
                {
                    position = store.Log.Rotate();
                }
                if (attach is not null)
                {
                    Attach(attach);
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            var sealedRows = 0;
            if (frozen.Count > 0)
            {
                var trained = template();
                foreach (var segment in frozen)
                {
                    sealedRows += SealFrozen(segment, trained);
                }
            }
            if (merge is not null)
            {
                MergeSegments(template, merge);
            }
            if (Store is not { } durable)
            {
                return sealedRows;
            }

            // Compaction in two steps: dead rows leave the indexes under the write lock (a mutation),
            // then the stored form is taken under the read lock, so searches go on while big indexes
            // serialize. A row killed in between is blanked in the columns but may keep its codes in the
            // index; the dead count recorded at the purge leaves that segment due for the next compaction.
            var due = new Dictionary<Segment, (long Number, int DeadCount)>();
            _lock.EnterWriteLock();
            try
            {
                _rowsOfDroppedStoredSegments = 0;
                foreach (var segment in _segments.Where(s => s.IsSealed && s.NeedsStoring))
                {
                    segment.PurgeDead();
                    due[segment] = (_nextSegmentNumber++, segment.DeadCount);
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
            var writes = new List<(Segment Segment, Storage.Segments.SealedSegmentData Data, int DeadCount)>();
            var stored = new List<long>();
            Dictionary<string, long> origins;
            _lock.EnterReadLock();
            try
            {
                origins = new Dictionary<string, long>(_origins, StringComparer.Ordinal);
                foreach (var segment in _segments.Where(s => s.IsSealed))
                {
                    if (due.TryGetValue(segment, out var plan))
                    {
                        var data = segment.ToStored(plan.Number);
                        writes.Add((segment, data, plan.DeadCount));
                        stored.Add(data.Number);
                    }
                    else
                    {
                        // Only checkpoints seal or re-encode, and this one holds the gate: every other sealed segment is stored.
                        stored.Add(segment.StoredNumber ?? throw new InvalidOperationException($"segment {segment.Number} of shard {Number} is sealed but neither stored nor due"));
                    }
                }
            }
            finally
            {
                _lock.ExitReadLock();
            }
            if (beforeCommit is not null)
            {
                await beforeCommit().ConfigureAwait(false);
            }
            var sizes = await durable.CommitAsync([.. writes.Select(w => w.Data)], stored, position, origins, cancellationToken).ConfigureAwait(false);
            _lock.EnterWriteLock();
            try
            {
                for (var i = 0; i < writes.Count; i++)
                {
                    writes[i].Segment.MarkStored(writes[i].Data.Number, writes[i].DeadCount, sizes[i]);
                }
                _storedOrigins.UnionWith(origins.Keys);
            }
            finally
            {
                _lock.ExitWriteLock();
            }
            return sealedRows;
        }
        finally
        {
            _sealing.Release();
        }
    }

    // Caller holds the write lock and the checkpoint gate, at the log rotation (see CheckpointAsync).
    private void Attach(EncodedSegment encoded)
    {
        if (_origins.TryGetValue(encoded.Origin, out var previous))
        {
            encoded.Attachment = new ShardAttachment(AlreadyRegistered: true, 0, 0, previous);
            encoded.Dispose();
            return;
        }
        var segment = Segment.FromEncoded(_nextSegmentNumber++, Dimension, encoded.Ids, encoded.Labels, encoded.Sources, encoded.TakeIndex());
        var duplicates = 0;
        for (var row = 0; row < segment.RowCount; row++)
        {
            var id = segment.IdAt(row);
            if (_items.ContainsKey(id))
            {
                // Dead rows leave the index before the segment is stored (compaction below).
                segment.Kill(row);
                duplicates++;
                continue;
            }
            _items[id] = (segment, row);
        }
        // Before the growing segment, so replayed or new writes still land last.
        _segments.Insert(_segments.IndexOf(_growing), segment);
        _origins[encoded.Origin] = segment.LiveCount;
        encoded.Attachment = new ShardAttachment(AlreadyRegistered: false, segment.LiveCount, duplicates, 0);
        PurgeIfNeeded(segment);
    }

    /// <summary>
    /// Re-encodes every sealed segment's live rows with <paramref name="template"/> (a retrained
    /// quantizer): vectors are decoded from the current index (exact for Flat, approximate for PQ)
    /// and encoded into a copy of the template outside the lock; each new index is swapped in under
    /// the write lock. Waits for any checkpoint in progress and blocks new ones meanwhile; the
    /// re-encoded segments are stored by the next checkpoint. Returns the rows re-encoded.
    /// </summary>
    public async Task<long> ReencodeAsync(FaissIndex template, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        await _sealing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long rows = 0;
            foreach (var segment in Read(() => _segments.Where(s => s.IsSealed).ToList()))
            {
                int[] live;
                float[] vectors;
                _lock.EnterReadLock();
                try
                {
                    if (!_segments.Contains(segment))
                    {
                        continue;
                    }
                    live = [.. Enumerable.Range(0, segment.RowCount).Where(r => !segment.IsDeadAt(r))];
                    vectors = segment.VectorsOf(live);
                }
                finally
                {
                    _lock.ExitReadLock();
                }
                var index = template.Clone();
                try
                {
                    if (live.Length > 0)
                    {
                        index.Add(vectors, [.. live.Select(r => (long)r)]);
                    }
                }
                catch
                {
                    index.Dispose();
                    throw;
                }
                _lock.EnterWriteLock();
                try
                {
                    if (_segments.Contains(segment))
                    {
                        // Rows deleted during the encode are in the new index as dead rows, like after a seal.
                        segment.ReplaceIndex(index);
                        rows += live.Length;
                    }
                    else
                    {
                        index.Dispose();
                    }
                }
                finally
                {
                    _lock.ExitWriteLock();
                }
            }
            return rows;
        }
        finally
        {
            _sealing.Release();
        }
    }

    private int SealFrozen(Segment frozen, FaissIndex trainedTemplate)
    {
        // The frozen vectors are immutable now, so the encode needs no lock. Only rows live now are
        // encoded, so nothing deleted before the seal reaches the index (or storage); rows deleted
        // during the encode are dead rows of the index, removed by purging or compaction.
        var vectors = frozen.ExactVectors();
        var live = new List<int>(frozen.RowCount);
        for (var r = 0; r < frozen.RowCount; r++)
        {
            if (!frozen.IsDeadAt(r))
            {
                live.Add(r);
            }
        }
        var rows = new long[live.Count];
        var liveVectors = new float[live.Count * Dimension];
        for (var i = 0; i < live.Count; i++)
        {
            rows[i] = live[i];
            vectors.Span.Slice(live[i] * Dimension, Dimension).CopyTo(liveVectors.AsSpan(i * Dimension));
        }
        var index = Encode(trainedTemplate, liveVectors, rows);

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
        return frozen.RowCount;
    }

    // A copy of the trained template holding the rows under the given ids (row numbers).
    private static FaissIndex Encode(FaissIndex template, float[] vectors, long[] rows)
    {
        var index = template.Clone();
        try
        {
            if (rows.Length > 0)
            {
                index.Add(vectors, rows);
            }
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills this new, empty, durable shard from its store: the stored segments, then every log
    /// record after them, handed to <paramref name="replay"/> in order (which applies them with
    /// <see cref="ReplayUpsert"/> and <see cref="Delete"/> without logging).
    /// </summary>
    /// <exception cref="InvalidOperationException">The shard has no store or already holds data.</exception>
    public async Task LoadAsync(Action<byte[]> replay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (Store is not { } store || Count > 0)
        {
            throw new InvalidOperationException("only an empty durable shard can be loaded");
        }
        var (stored, origins, records) = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var segments = new List<Segment>(stored.Count);
        try
        {
            segments.AddRange(stored.Select(Segment.FromStored));
        }
        catch
        {
            segments.ForEach(s => s.Dispose());
            throw;
        }
        var highest = Math.Max(stored.Count == 0 ? -1 : stored.Max(s => s.Number), await store.HighestStoredSegmentAsync(cancellationToken).ConfigureAwait(false));
        _lock.EnterWriteLock();
        try
        {
            // The growing segment comes last so replayed writes land in it.
            _segments.Remove(_growing);
            _segments.AddRange(segments);
            _nextSegmentNumber = Math.Max(_nextSegmentNumber, highest + 1);
            _growing = NewGrowingSegment();
            foreach (var (origin, rows) in origins)
            {
                _origins[origin] = rows;
                _storedOrigins.Add(origin);
            }
            foreach (var segment in segments)
            {
                for (var row = 0; row < segment.RowCount; row++)
                {
                    if (!segment.IsDeadAt(row))
                    {
                        _items[segment.IdAt(row)] = (segment, row);
                    }
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        foreach (var (_, payload) in records)
        {
            replay(payload);
        }
    }

    /// <summary>Frees every segment's native index and closes the log.</summary>
    public void Dispose()
    {
        Store?.Dispose();
        foreach (var segment in _segments)
        {
            segment.Dispose();
        }
        _lock.Dispose();
        _sealing.Dispose();
    }

    // Caller holds the write lock, so records reach the log in the order writes are applied.
    private Task<long> Log(byte[]? record)
    {
        if (Store is null)
        {
            return Task.FromResult(0L);
        }
        ArgumentNullException.ThrowIfNull(record, "logRecord");
        return Store.AppendAsync(record);
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
            if (segment.StoredNumber is not null)
            {
                _rowsOfDroppedStoredSegments += segment.RowCount;
            }
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

