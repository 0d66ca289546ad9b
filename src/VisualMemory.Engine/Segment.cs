using System.Runtime.InteropServices;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// A piece of a shard's data, stored as columns indexed by row: ids, labels, sources, reliability
/// and flags (deleted, pruned). It starts growing (exact vectors, appendable), is frozen when
/// sealing begins (exact vectors, immutable, still searchable) and becomes sealed when its FAISS
/// index is swapped in. The index stores row numbers as its ids, so a search hit leads straight to
/// the row's columns with no lookup, and the object stays the same through all three states, so
/// item locations never need rewriting.
/// </summary>
/// <remarks>Not thread-safe by itself: the owning <see cref="Shard"/> serialises writes against searches.</remarks>
internal sealed class Segment : IDisposable
{
    private const byte Dead = 1;
    private const byte Pruned = 2;

    private readonly int _dimension;
    private float[] _vectors;
    // One struct per row rather than one array per column: a search hit reads id, label, γ and
    // flags together, so one cache line instead of four. Snapshots still write the columns separately.
    private RowData[] _rows;
    private FaissIndex? _index;
    // The index's coarse centroids' fingerprint (0: none), read per query to decide whether a shared assignment applies.
    private ulong _coarseFingerprint;

    // Dead rows the index (or the exact rows) still returns: searches over-fetch by this many.
    private int _deadSearchable;

    // Live rows flagged pruned: hard-pruned searches over-fetch by this many.
    private int _prunedLive;

    public Segment(long number, int dimension, int initialCapacity = 1024)
    {
        Number = number;
        _dimension = dimension;
        _vectors = new float[checked(initialCapacity * dimension)];
        _rows = new RowData[initialCapacity];
    }

    /// <summary>Sequence number within the shard, for ordering and diagnostics.</summary>
    public long Number { get; }

    /// <summary>Rows stored, live or dead.</summary>
    public int RowCount { get; private set; }

    /// <summary>Rows deleted (or replaced in a newer segment).</summary>
    public int DeadCount { get; private set; }

    /// <summary>Rows not deleted.</summary>
    public int LiveCount => RowCount - DeadCount;

    /// <summary>Live rows the applied prune marks for hard pruning.</summary>
    public int PrunedLiveCount => _prunedLive;

    /// <summary>Dead rows the search structure still holds (purging removes them from a sealed index).</summary>
    public int DeadSearchableCount => _deadSearchable;

    /// <summary>True once sealing started: no more appends.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>True once the FAISS index has replaced the exact vectors.</summary>
    public bool IsSealed => _index is not null;

    public long IdAt(int row) => _rows[row].Id;

    public int LabelAt(int row) => _rows[row].Label;

    public int SourceAt(int row) => _rows[row].Source;

    public float ReliabilityAt(int row) => _rows[row].Reliability;

    public bool IsPrunedAt(int row) => (_rows[row].Flags & Pruned) != 0;

    public bool IsDeadAt(int row) => (_rows[row].Flags & Dead) != 0;

    /// <summary>Appends a live row and returns its number.</summary>
    public int Append(long id, int label, int source, ReadOnlySpan<float> vector)
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"segment {Number} is frozen");
        }
        EnsureCapacity(RowCount + 1);
        var row = RowCount++;
        _rows[row].Id = id;
        Overwrite(row, label, source, vector);
        return row;
    }

    /// <summary>Replaces a growing row's content in place, reviving it if it was dead.</summary>
    public void Overwrite(int row, int label, int source, ReadOnlySpan<float> vector)
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"segment {Number} is frozen");
        }
        if (IsDeadAt(row))
        {
            DeadCount--;
            _deadSearchable--;
        }
        if (IsPrunedAt(row))
        {
            _prunedLive--;
        }
        ref var data = ref _rows[row];
        data.Label = label;
        data.Source = source;
        data.Reliability = 1f;
        data.Flags = 0;
        vector.CopyTo(_vectors.AsSpan(row * _dimension, _dimension));
    }

    /// <summary>Marks a row deleted; searches stop returning it at once.</summary>
    public void Kill(int row)
    {
        if (IsDeadAt(row))
        {
            return;
        }
        if (IsPrunedAt(row))
        {
            _prunedLive--;
        }
        _rows[row].Flags = Dead;
        DeadCount++;
        _deadSearchable++;
    }

    /// <summary>Sets a live row's soft-pruning reliability and hard-pruning flag.</summary>
    public void SetPruning(int row, float reliability, bool pruned)
    {
        if (IsDeadAt(row))
        {
            return;
        }
        if (IsPrunedAt(row) != pruned)
        {
            _prunedLive += pruned ? 1 : -1;
        }
        _rows[row].Reliability = reliability;
        _rows[row].Flags = pruned ? Pruned : (byte)0;
    }

    /// <summary>Stops appends; the exact rows stay readable without a lock from now on.</summary>
    public void Freeze() => IsFrozen = true;

    /// <summary>The stored vectors of a growing or frozen segment, row-major, one per row.</summary>
    public ReadOnlyMemory<float> ExactVectors()
    {
        if (IsSealed)
        {
            throw new InvalidOperationException($"segment {Number} is sealed");
        }
        return _vectors.AsMemory(0, RowCount * _dimension);
    }

    /// <summary>
    /// The vectors of the given rows: exact for growing and frozen segments, decoded from the index
    /// (approximate for PQ) for sealed ones. Rows the index no longer holds come back as zeros.
    /// </summary>
    public float[] VectorsOf(ReadOnlySpan<int> rows)
    {
        var result = new float[rows.Length * _dimension];
        if (_index is null)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                _vectors.AsSpan(rows[i] * _dimension, _dimension).CopyTo(result.AsSpan(i * _dimension));
            }
            return result;
        }
        var (ids, vectors) = _index.Export();
        var position = new int[RowCount];
        Array.Fill(position, -1);
        for (var p = 0; p < ids.Length; p++)
        {
            position[ids[p]] = p;
        }
        for (var i = 0; i < rows.Length; i++)
        {
            if (position[rows[i]] >= 0)
            {
                vectors.AsSpan(position[rows[i]] * _dimension, _dimension).CopyTo(result.AsSpan(i * _dimension));
            }
        }
        return result;
    }

    /// <summary>The vector of one row: exact, or decoded from the sealed index; null if the index dropped it.</summary>
    public float[]? VectorOf(int row) =>
        _index is null ? _vectors.AsSpan(row * _dimension, _dimension).ToArray() : _index.Reconstruct(row);

    /// <summary>Replaces the exact vectors by a FAISS index holding the live rows under their row numbers.</summary>
    public void Seal(FaissIndex index)
    {
        if (!IsFrozen || IsSealed)
        {
            throw new InvalidOperationException($"segment {Number} must be frozen and not yet sealed");
        }
        SetIndex(index);
        _vectors = [];
        // The index holds the rows that were live when it was encoded; those killed since are the
        // dead rows it still returns.
        _deadSearchable = (int)index.Count - LiveCount;
    }

    /// <summary>
    /// Swaps in <paramref name="index"/> (the live rows re-encoded under their row numbers, e.g. with a
    /// retrained quantizer) and frees the old one; the segment then needs storing again.
    /// </summary>
    public void ReplaceIndex(FaissIndex index)
    {
        if (_index is null)
        {
            throw new InvalidOperationException($"segment {Number} is not sealed");
        }
        _index.Dispose();
        SetIndex(index);
        _indexBytes = 0;
        _deadSearchable = (int)index.Count - LiveCount;
        StoredNumber = null;
    }

    /// <summary>
    /// Removes dead rows from the sealed index for good, so searches stop over-fetching for them.
    /// Their columns stay (row numbers are stable). Returns how many rows were dropped.
    /// </summary>
    public long PurgeDead()
    {
        if (_index is null || _deadSearchable == 0)
        {
            return 0;
        }
        var dead = new List<long>(_deadSearchable);
        for (var row = 0; row < RowCount; row++)
        {
            if (IsDeadAt(row))
            {
                dead.Add(row);
            }
        }
        var removed = _index.Remove(CollectionsMarshal.AsSpan(dead));
        _deadSearchable = 0;
        return removed;
    }

    /// <summary>
    /// The best <paramref name="k"/> live rows for each query, nearest first in
    /// <see cref="NeighborOrder"/>. Over-fetches by the dead (and, for hard pruning, pruned) rows
    /// the index still holds, so filtering them out still leaves k results.
    /// </summary>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int nprobe, PruningMode pruning) =>
        Search(queries, k, nprobe, pruning, null);

    /// <summary>
    /// As <see cref="Search(ReadOnlySpan{float}, int, int, PruningMode)"/>, using <paramref name="assigned"/> (coarse
    /// lists assigned once for these queries) when it was made on this index's centroids at this nprobe.
    /// </summary>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int nprobe, PruningMode pruning, CoarseAssignment? assigned)
    {
        var nq = queries.Length / _dimension;
        var results = new Neighbor[nq][];
        var searchable = (_index is not null ? (int)_index.Count : RowCount);
        var skip = _deadSearchable + (pruning == PruningMode.Hard ? _prunedLive : 0);
        var fetch = Math.Min(searchable, k + skip);
        if (fetch == 0)
        {
            Array.Fill(results, []);
            return results;
        }
        var raw = _index is not null
            ? (Shares(assigned, nprobe) ? _index.SearchPreassigned(queries, fetch, assigned!) : _index.Search(queries, fetch, nprobe))
            : FaissNative.KnnInnerProduct(queries, _vectors.AsSpan(0, RowCount * _dimension), _dimension, fetch);
        var skipMask = pruning == PruningMode.Hard ? (byte)(Dead | Pruned) : Dead;
        var soft = pruning == PruningMode.Soft;
        // Sequential on purpose: converting hits costs well under a microsecond per query, and
        // thread-pool workers started here competed with FAISS's still-spinning OpenMP threads
        // (measured slower than this loop in benchmarks/ShardSearchBenchmark).
        for (var q = 0; q < nq; q++)
        {
            results[q] = Collect(raw, q, k, skipMask, soft);
        }
        return results;
    }

    /// <summary>Whether <paramref name="assigned"/> lists this index's own coarse lists for an nprobe-<paramref name="nprobe"/> search.</summary>
    public bool Shares(CoarseAssignment? assigned, int nprobe) =>
        assigned is not null && _coarseFingerprint != 0 && assigned.Fingerprint == _coarseFingerprint
        && assigned.NProbe == Math.Min(nprobe, _index!.NList);

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_index))]
    private void SetIndex(FaissIndex index)
    {
        _index = index;
        _coarseFingerprint = index.CoarseFingerprint;
    }

    private Neighbor[] Collect(SearchResult raw, int q, int k, byte skipMask, bool soft)
    {
        var rows = raw.IdsOf(q);
        var scores = raw.ScoresOf(q);
        var buffer = new Neighbor[Math.Min(k, rows.Length)];
        var count = 0;
        for (var j = 0; j < rows.Length && count < buffer.Length; j++)
        {
            if (rows[j] < 0)
            {
                continue;
            }
            ref readonly var data = ref _rows[rows[j]];
            if ((data.Flags & skipMask) != 0)
            {
                continue;
            }
            buffer[count++] = new Neighbor(data.Id, data.Label, scores[j], soft ? data.Reliability : 1f);
        }
        if (count < buffer.Length)
        {
            Array.Resize(ref buffer, count);
        }
        SortNearlySorted(buffer);
        return buffer;
    }

    // FAISS returns scores best first but leaves the order of equal scores open, and the merge
    // needs the total order of NeighborOrder; an insertion sort fixes that in one pass.
    private static void SortNearlySorted(Neighbor[] neighbors)
    {
        var order = NeighborOrder.Instance;
        for (var i = 1; i < neighbors.Length; i++)
        {
            var current = neighbors[i];
            var j = i - 1;
            while (j >= 0 && order.Compare(neighbors[j], current) > 0)
            {
                neighbors[j + 1] = neighbors[j];
                j--;
            }
            neighbors[j + 1] = current;
        }
    }

    /// <summary>The object number this segment's content is stored under, or null while it is not stored.</summary>
    public long? StoredNumber { get; private set; }

    /// <summary>Bytes of the stored objects (index and columns), 0 while not stored.</summary>
    public long StoredBytes { get; private set; }

    /// <summary>True when the stored copy is missing or still holds rows deleted since it was written.</summary>
    public bool NeedsStoring => IsSealed && (StoredNumber is null || DeadCount > _storedDeadCount);

    /// <summary>Rows deleted since the stored copy was written: what compacting this segment would forget.</summary>
    public int DeadSinceStored => StoredNumber is null ? DeadCount : DeadCount - _storedDeadCount;

    private int _storedDeadCount;

    /// <summary>Approximate bytes this segment holds in RAM (vectors or index, and row data).</summary>
    public long RamBytes => (long)_rows.Length * Marshal.SizeOf<RowData>()
        + (_index is null ? (long)_vectors.Length * sizeof(float) : _indexBytes);

    private long _indexBytes;

    /// <summary>
    /// The content to store for a sealed segment under object number <paramref name="number"/>: dead
    /// rows' columns are written blank, and the caller has removed them from the index first
    /// (<see cref="PurgeDead"/>, under the shard's write lock), so the stored objects hold nothing of a
    /// deleted item. Only reads: the shard's read lock is enough.
    /// </summary>
    public Storage.Segments.SealedSegmentData ToStored(long number)
    {
        if (_index is null)
        {
            throw new InvalidOperationException($"segment {Number} is not sealed");
        }
        var ids = new long[RowCount];
        var labels = new int[RowCount];
        var sources = new int[RowCount];
        var reliability = new float[RowCount];
        var flags = new byte[RowCount];
        for (var r = 0; r < RowCount; r++)
        {
            ref readonly var data = ref _rows[r];
            if ((data.Flags & Dead) != 0)
            {
                labels[r] = -1;
                sources[r] = -1;
                flags[r] = Dead;
                continue;
            }
            ids[r] = data.Id;
            labels[r] = data.Label;
            sources[r] = data.Source;
            reliability[r] = data.Reliability;
            flags[r] = data.Flags;
        }
        var index = _index.Serialize();
        _indexBytes = index.Length;
        return new Storage.Segments.SealedSegmentData(number, _dimension, RowCount, ids, labels, sources, reliability, flags, index);
    }

    /// <summary>Records that <see cref="ToStored"/>'s content, taken when <paramref name="deadCount"/> rows were dead, is now stored.</summary>
    public void MarkStored(long number, int deadCount, long bytes)
    {
        StoredNumber = number;
        _storedDeadCount = deadCount;
        StoredBytes = bytes;
    }

    /// <summary>A sealed segment from its stored content; it counts as stored under <paramref name="data"/>'s number.</summary>
    public static Segment FromStored(Storage.Segments.SealedSegmentData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var segment = new Segment(data.Number, data.Dimension, Math.Max(1, data.RowCount)) { RowCount = data.RowCount };
        var rows = segment._rows;
        for (var r = 0; r < data.RowCount; r++)
        {
            rows[r] = new RowData { Id = data.Ids[r], Label = data.Labels[r], Source = data.Sources[r], Reliability = data.Reliability[r], Flags = data.Flags[r] };
        }
        segment.CountFlags();
        segment._vectors = [];
        segment.IsFrozen = true;
        segment.SetIndex(FaissIndex.Deserialize(data.Index));
        segment._indexBytes = data.Index.Length;
        segment._deadSearchable = (int)segment._index.Count - segment.LiveCount;
        segment.MarkStored(data.Number, segment.DeadCount, StoredSize(data));
        return segment;
    }

    /// <summary>
    /// A sealed segment from rows encoded elsewhere (a bulk load): row <c>r</c> is
    /// (<paramref name="ids"/>[r], <paramref name="labels"/>[r], <paramref name="sources"/>[r]), live,
    /// unpruned, γ = 1, and <paramref name="index"/> holds it under id r. Not stored yet; the segment
    /// owns the index from now on.
    /// </summary>
    public static Segment FromEncoded(long number, int dimension, long[] ids, int[] labels, int[] sources, FaissIndex index)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(index);
        if (labels.Length != ids.Length || sources.Length != ids.Length || index.Count != ids.Length)
        {
            throw new ArgumentException($"{ids.Length} ids, {labels.Length} labels, {sources.Length} sources and {index.Count} encoded rows disagree");
        }
        // Rows only: no exact vectors are ever held for it (the capacity-1 vector buffer is dropped below).
        var segment = new Segment(number, dimension, initialCapacity: 1);
        segment._rows = new RowData[Math.Max(1, ids.Length)];
        for (var r = 0; r < ids.Length; r++)
        {
            segment._rows[r] = new RowData { Id = ids[r], Label = labels[r], Source = sources[r], Reliability = 1f };
        }
        segment.RowCount = ids.Length;
        segment._vectors = [];
        segment.IsFrozen = true;
        segment.SetIndex(index);
        return segment;
    }

    /// <summary>Whether this sealed segment's codes can join an index cloned from <paramref name="template"/> as they are (same trained quantizer and codec).</summary>
    public bool SharesCodesWith(FaissIndex template) => _index is not null && template.CanMerge(_index);

    /// <summary>A copy of the sealed index, to merge elsewhere while this segment goes on serving.</summary>
    public FaissIndex CloneIndex() =>
        (_index ?? throw new InvalidOperationException($"segment {Number} is not sealed")).Clone();

    /// <summary>
    /// A frozen, unsealed segment whose rows are <paramref name="parts"/>' rows one after the other, with their
    /// ids, labels, sources, reliability and flags (dead rows stay dead, keeping row numbers aligned with an
    /// index merged from the parts' indexes at offsets of their row counts). <see cref="Seal"/> gives it that index.
    /// </summary>
    public static Segment Concatenate(long number, int dimension, IReadOnlyList<Segment> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var total = parts.Sum(p => (long)p.RowCount);
        if (total > int.MaxValue)
        {
            throw new ArgumentException($"{total} rows do not fit one segment", nameof(parts));
        }
        var segment = new Segment(number, dimension, initialCapacity: 1);
        segment._rows = new RowData[Math.Max(1, (int)total)];
        var at = 0;
        foreach (var part in parts)
        {
            Array.Copy(part._rows, 0, segment._rows, at, part.RowCount);
            at += part.RowCount;
        }
        segment.RowCount = at;
        segment.CountFlags();
        segment._vectors = [];
        segment.IsFrozen = true;
        return segment;
    }

    // The dead and pruned-live counts of rows whose flags were copied in whole (from storage, or from merged parts).
    private void CountFlags()
    {
        for (var r = 0; r < RowCount; r++)
        {
            if (IsDeadAt(r))
            {
                DeadCount++;
            }
            else if (IsPrunedAt(r))
            {
                _prunedLive++;
            }
        }
    }

    /// <summary>Bytes the stored objects of <paramref name="data"/> take (the columns are raw little-endian arrays).</summary>
    public static long StoredSize(Storage.Segments.SealedSegmentData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Index.Length + (long)data.RowCount * (sizeof(long) + sizeof(int) + sizeof(int) + sizeof(float) + sizeof(byte));
    }

    public void Dispose() => _index?.Dispose();

    private void EnsureCapacity(int rows)
    {
        if (rows <= _rows.Length)
        {
            return;
        }
        var capacity = Math.Max(rows, _rows.Length * 2);
        Array.Resize(ref _rows, capacity);
        Array.Resize(ref _vectors, checked(capacity * _dimension));
    }

    private struct RowData
    {
        public long Id;
        public int Label;
        public int Source;
        public float Reliability;
        public byte Flags;
    }
}
