using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// A piece of a shard's data. It starts growing (exact rows, appendable), is frozen when sealing
/// begins (exact rows, immutable, still searchable) and becomes sealed when its FAISS index is
/// swapped in. The object stays the same through all three states, so item locations never need
/// rewriting. Deletes are tombstones by id; a segment holds at most one row per id.
/// </summary>
/// <remarks>Not thread-safe by itself: the owning <see cref="Shard"/> serialises access.</remarks>
internal sealed class Segment : IDisposable
{
    private readonly int _dimension;
    private float[] _vectors;
    private long[] _ids;
    private readonly Dictionary<long, int> _rowOf = [];
    private FaissIndex? _index;

    public Segment(long number, int dimension, int initialCapacity = 1024)
    {
        Number = number;
        _dimension = dimension;
        _vectors = new float[checked(initialCapacity * dimension)];
        _ids = new long[initialCapacity];
    }

    /// <summary>Sequence number within the shard, for ordering and diagnostics.</summary>
    public long Number { get; }

    /// <summary>Ids deleted (or replaced elsewhere) whose rows are still stored here.</summary>
    public HashSet<long> Tombstones { get; } = [];

    /// <summary>Rows stored, live or tombstoned.</summary>
    public int RowCount { get; private set; }

    /// <summary>Rows not tombstoned.</summary>
    public int LiveCount => RowCount - Tombstones.Count;

    /// <summary>True once sealing started: no more appends.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>True once the FAISS index has replaced the exact rows.</summary>
    public bool IsSealed => _index is not null;

    /// <summary>Adds a row, or overwrites this segment's row for the same id (and revives it).</summary>
    public void Upsert(long id, ReadOnlySpan<float> vector)
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException($"segment {Number} is frozen");
        }
        if (_rowOf.TryGetValue(id, out var row))
        {
            Tombstones.Remove(id);
        }
        else
        {
            EnsureCapacity(RowCount + 1);
            row = RowCount++;
            _rowOf.Add(id, row);
            _ids[row] = id;
        }
        vector.CopyTo(_vectors.AsSpan(row * _dimension, _dimension));
    }

    /// <summary>Stops appends; the exact rows stay readable without a lock from now on.</summary>
    public void Freeze() => IsFrozen = true;

    /// <summary>The stored rows of a growing or frozen segment (row-major) and their ids.</summary>
    public (ReadOnlyMemory<float> Vectors, ReadOnlyMemory<long> Ids) ExactRows()
    {
        if (IsSealed)
        {
            throw new InvalidOperationException($"segment {Number} is sealed");
        }
        return (_vectors.AsMemory(0, RowCount * _dimension), _ids.AsMemory(0, RowCount));
    }

    /// <summary>Replaces the exact rows by a FAISS index holding the same ids.</summary>
    public void Seal(FaissIndex index)
    {
        if (!IsFrozen || IsSealed)
        {
            throw new InvalidOperationException($"segment {Number} must be frozen and not yet sealed");
        }
        _index = index;
        _vectors = [];
        _ids = [];
        _rowOf.Clear();
    }

    /// <summary>
    /// Removes tombstoned rows from the sealed index for good, so searches stop over-fetching for them.
    /// Returns how many rows were dropped.
    /// </summary>
    public long PurgeTombstones()
    {
        if (_index is null || Tombstones.Count == 0)
        {
            return 0;
        }
        var removed = _index.Remove([.. Tombstones]);
        RowCount -= (int)removed;
        Tombstones.Clear();
        return removed;
    }

    /// <summary>
    /// The best <paramref name="k"/> live rows for each query, as (id, similarity) nearest first.
    /// Over-fetches by the tombstone count so that filtering them out still leaves k results.
    /// </summary>
    public List<(long Id, float Similarity)>[] Search(ReadOnlySpan<float> queries, int k, int nprobe)
    {
        var nq = queries.Length / _dimension;
        var results = new List<(long, float)>[nq];
        var fetch = Math.Min(RowCount, k + Tombstones.Count);
        if (fetch == 0)
        {
            for (var q = 0; q < nq; q++)
            {
                results[q] = [];
            }
            return results;
        }
        var raw = _index is not null
            ? _index.Search(queries, fetch, nprobe)
            : FaissNative.KnnInnerProduct(queries, _vectors.AsSpan(0, RowCount * _dimension), _dimension, fetch);
        for (var q = 0; q < nq; q++)
        {
            var list = new List<(long, float)>(Math.Min(k, fetch));
            var ids = raw.IdsOf(q);
            var scores = raw.ScoresOf(q);
            for (var j = 0; j < ids.Length && list.Count < k; j++)
            {
                if (ids[j] < 0)
                {
                    continue;
                }
                var id = _index is not null ? ids[j] : _ids[ids[j]];
                if (!Tombstones.Contains(id))
                {
                    list.Add((id, scores[j]));
                }
            }
            results[q] = list;
        }
        return results;
    }

    /// <summary>Writes the segment (exact rows or FAISS bytes, plus tombstones) for a snapshot.</summary>
    public void WriteTo(BinaryWriter writer)
    {
        writer.Write(Number);
        writer.Write(IsSealed);
        writer.Write(Tombstones.Count);
        foreach (var id in Tombstones)
        {
            writer.Write(id);
        }
        if (_index is not null)
        {
            var bytes = _index.Serialize();
            writer.Write(bytes.Length);
            writer.Write(bytes);
            writer.Write(RowCount);
        }
        else
        {
            writer.Write(RowCount);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_ids.AsSpan(0, RowCount)));
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_vectors.AsSpan(0, RowCount * _dimension)));
        }
    }

    /// <summary>Reads a segment written by <see cref="WriteTo"/>. Exact segments come back growing; the shard freezes all but the last.</summary>
    public static Segment ReadFrom(BinaryReader reader, int dimension)
    {
        var number = reader.ReadInt64();
        var isSealed = reader.ReadBoolean();
        var tombstones = new long[reader.ReadInt32()];
        for (var i = 0; i < tombstones.Length; i++)
        {
            tombstones[i] = reader.ReadInt64();
        }
        Segment segment;
        if (isSealed)
        {
            var index = FaissIndex.Deserialize(reader.ReadBytes(reader.ReadInt32()));
            segment = new Segment(number, dimension, initialCapacity: 1) { IsFrozen = true, _index = index };
            segment.RowCount = reader.ReadInt32();
        }
        else
        {
            var rows = reader.ReadInt32();
            segment = new Segment(number, dimension, Math.Max(1, rows));
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(segment._ids.AsSpan(0, rows)));
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(segment._vectors.AsSpan(0, rows * dimension)));
            segment.RowCount = rows;
            for (var r = 0; r < rows; r++)
            {
                segment._rowOf[segment._ids[r]] = r;
            }
        }
        segment.Tombstones.UnionWith(tombstones);
        return segment;
    }

    public void Dispose() => _index?.Dispose();

    private void EnsureCapacity(int rows)
    {
        if (rows <= _ids.Length)
        {
            return;
        }
        var capacity = Math.Max(rows, _ids.Length * 2);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _vectors, checked(capacity * _dimension));
    }
}
