namespace VisualMemory.Faiss;

/// <summary>
/// A FAISS index created from a factory string ("Flat", "IVF256,PQ16", "IVF1024,PQ32np",
/// "IVF256,Flat", ...). Vectors are rows of a flat float array of <see cref="Dimension"/> columns.
/// Indexes that do not store ids themselves (everything but IVF) are wrapped in FAISS's IDMap, so
/// 64-bit caller ids work for every description.
/// </summary>
/// <remarks>
/// Thread safety follows FAISS: <see cref="Search"/>, <see cref="Count"/>, <see cref="IsTrained"/>,
/// <see cref="Serialize"/> and <see cref="Clone"/> only read the index and may run concurrently with
/// each other. <see cref="Train"/>, <see cref="Add"/>, <see cref="Remove"/> and <see cref="SetNProbe"/>
/// modify it and need exclusive access: the caller must ensure no other call is in flight (the shard
/// engine does this with a reader/writer lock). Searches with a per-call nprobe never modify the index.
/// </remarks>
public sealed unsafe class FaissIndex : IDisposable
{
    private readonly FaissIndexHandle _handle;

    private FaissIndex(FaissIndexHandle handle)
    {
        _handle = handle;
        NativeMethods.Check(NativeMethods.IndexInfo(_handle, out var d, out _, out _, out var metric, out var nlist));
        Dimension = d;
        Metric = (MetricKind)metric;
        NList = nlist;
    }

    /// <summary>Vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>The comparison the index was built with.</summary>
    public MetricKind Metric { get; }

    /// <summary>Number of inverted lists for IVF indexes, 0 for others.</summary>
    public long NList { get; }

    /// <summary>Number of vectors stored.</summary>
    public long Count
    {
        get
        {
            NativeMethods.Check(NativeMethods.IndexInfo(_handle, out _, out var ntotal, out _, out _, out _));
            return ntotal;
        }
    }

    /// <summary>False until <see cref="Train"/> has run, for indexes that need training (IVF, PQ).</summary>
    public bool IsTrained
    {
        get
        {
            NativeMethods.Check(NativeMethods.IndexInfo(_handle, out _, out _, out var trained, out _, out _));
            return trained != 0;
        }
    }

    /// <summary>Creates an empty index from a FAISS factory description.</summary>
    /// <exception cref="FaissException">FAISS rejected the description or dimension.</exception>
    public static FaissIndex Create(int dimension, string description, MetricKind metric = MetricKind.InnerProduct)
    {
        ArgumentNullException.ThrowIfNull(description);
        NativeMethods.Check(NativeMethods.IndexFactory(dimension, description, (int)metric, out var pointer));
        return new FaissIndex(new FaissIndexHandle(pointer));
    }

    /// <summary>Reads an index written by <see cref="Serialize"/> (or by FAISS's write_index).</summary>
    /// <exception cref="FaissException">The bytes are not a valid FAISS index.</exception>
    public static FaissIndex Deserialize(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            NativeMethods.Check(NativeMethods.IndexDeserialize(p, bytes.Length, out var pointer));
            return new FaissIndex(new FaissIndexHandle(pointer));
        }
    }

    /// <summary>Trains the index (coarse quantizer, PQ codebooks) on rows of <paramref name="vectors"/>.</summary>
    public void Train(ReadOnlySpan<float> vectors)
    {
        var n = RowCount(vectors, nameof(vectors));
        Volatile.Write(ref _fingerprintKnown, false);
        fixed (float* x = vectors)
        {
            NativeMethods.Check(NativeMethods.IndexTrain(_handle, n, x));
        }
    }

    /// <summary>Adds rows of <paramref name="vectors"/> under the given ids (one id per row).</summary>
    public void Add(ReadOnlySpan<float> vectors, ReadOnlySpan<long> ids)
    {
        var n = RowCount(vectors, nameof(vectors));
        if (ids.Length != n)
        {
            throw new ArgumentException($"expected {n} ids for {n} vectors, got {ids.Length}", nameof(ids));
        }
        fixed (float* x = vectors)
        fixed (long* i = ids)
        {
            NativeMethods.Check(NativeMethods.IndexAddWithIds(_handle, n, x, i));
        }
    }

    /// <summary>Removes every stored vector whose id is in <paramref name="ids"/>; returns how many were removed.</summary>
    public long Remove(ReadOnlySpan<long> ids)
    {
        fixed (long* i = ids)
        {
            NativeMethods.Check(NativeMethods.IndexRemoveIds(_handle, ids.Length, i, out var removed));
            return removed;
        }
    }

    /// <summary>
    /// Every stored vector with its id, in storage order. PQ-encoded vectors come back decoded
    /// (approximate); flat ones exactly. It only reads the index, so it may run alongside searches.
    /// </summary>
    public (long[] Ids, float[] Vectors) Export()
    {
        var count = Count;
        var ids = new long[count];
        var vectors = new float[checked(count * Dimension)];
        fixed (long* i = ids)
        fixed (float* v = vectors)
        {
            NativeMethods.Check(NativeMethods.IndexExport(_handle, count, i, v));
        }
        return (ids, vectors);
    }

    /// <summary>
    /// The stored vector with id <paramref name="id"/> (decoded for PQ), or null when it is not
    /// stored. Scans the ids, so it suits single lookups, not bulk export (<see cref="Export"/>).
    /// </summary>
    public float[]? Reconstruct(long id)
    {
        var vector = new float[Dimension];
        fixed (float* v = vector)
        {
            NativeMethods.Check(NativeMethods.IndexReconstructId(_handle, id, v, out var found));
            return found != 0 ? vector : null;
        }
    }

    /// <summary>
    /// Searches a batch of queries (rows of <paramref name="queries"/>) for their <paramref name="k"/>
    /// nearest neighbours, best first.
    /// </summary>
    /// <param name="queries">Query rows.</param>
    /// <param name="k">Results per query, at least 1.</param>
    /// <param name="nprobe">Inverted lists visited per query on IVF indexes; 0 keeps the index's setting.</param>
    public SearchResult Search(ReadOnlySpan<float> queries, int k, int nprobe = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nprobe);
        var n = RowCount(queries, nameof(queries));
        var scores = new float[checked(n * k)];
        var ids = new long[scores.Length];
        fixed (float* x = queries)
        fixed (float* s = scores)
        fixed (long* i = ids)
        {
            NativeMethods.Check(NativeMethods.IndexSearch(_handle, n, x, k, nprobe, s, i));
        }
        return new SearchResult(n, k, scores, ids);
    }

    /// <summary>
    /// A hash of the coarse centroids (FNV-1a over their bytes, with nlist and d): equal for copies of one trained
    /// template, so indexes that can share a <see cref="CoarseAssignment"/> are found without comparing centroids
    /// per query. 0 for indexes without inverted lists, not trained, or wrapped in a pre-transform (their lists are
    /// assigned on transformed queries). Computed once (a pass over the centroids) and kept until <see cref="Train"/>.
    /// </summary>
    public ulong CoarseFingerprint
    {
        get
        {
            // Computed once: the centroids change only by Train, which forgets it. Two threads racing here
            // compute the same value, so the flag is published after the value and nothing else is needed.
            if (Volatile.Read(ref _fingerprintKnown))
            {
                return _fingerprint;
            }
            NativeMethods.Check(NativeMethods.IndexCoarseFingerprint(_handle, out var hash));
            _fingerprint = hash;
            Volatile.Write(ref _fingerprintKnown, true);
            return hash;
        }
    }

    private ulong _fingerprint;
    private bool _fingerprintKnown;

    /// <summary>
    /// The <paramref name="nprobe"/> nearest coarse lists of each query (at most <see cref="NList"/>), for
    /// <see cref="SearchPreassigned"/> on this index or any index with the same <see cref="CoarseFingerprint"/>.
    /// </summary>
    /// <exception cref="FaissException">Not a plain, trained IVF index.</exception>
    public CoarseAssignment AssignCoarse(ReadOnlySpan<float> queries, int nprobe)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nprobe, 1);
        var n = RowCount(queries, nameof(queries));
        var probes = (int)Math.Min(nprobe, Math.Max(1, NList));
        var lists = new long[checked(n * probes)];
        var scores = new float[lists.Length];
        fixed (float* x = queries)
        fixed (long* l = lists)
        fixed (float* s = scores)
        {
            NativeMethods.Check(NativeMethods.IndexCoarseAssign(_handle, n, x, probes, l, s));
        }
        return new CoarseAssignment(CoarseFingerprint, n, probes, lists, scores);
    }

    /// <summary>
    /// <see cref="Search"/> with the coarse lists already assigned: the same results as <see cref="Search"/> at
    /// <see cref="CoarseAssignment.NProbe"/> when <paramref name="assigned"/> was made for these queries on
    /// centroids equal to this index's (the caller checks <see cref="CoarseFingerprint"/>).
    /// </summary>
    public SearchResult SearchPreassigned(ReadOnlySpan<float> queries, int k, CoarseAssignment assigned)
    {
        ArgumentNullException.ThrowIfNull(assigned);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var n = RowCount(queries, nameof(queries));
        if (n != assigned.QueryCount)
        {
            throw new ArgumentException($"the assignment is for {assigned.QueryCount} queries, not {n}", nameof(assigned));
        }
        var scores = new float[checked(n * k)];
        var ids = new long[scores.Length];
        fixed (float* x = queries)
        fixed (long* l = assigned.Lists)
        fixed (float* c = assigned.Scores)
        fixed (float* s = scores)
        fixed (long* i = ids)
        {
            NativeMethods.Check(NativeMethods.IndexSearchPreassigned(_handle, n, x, k, assigned.NProbe, l, c, s, i));
        }
        return new SearchResult(n, k, scores, ids);
    }

    /// <summary>Sets the default nprobe of an IVF index (a write: see the thread-safety remarks).</summary>
    public void SetNProbe(int nprobe) => NativeMethods.Check(NativeMethods.IndexSetNProbe(_handle, nprobe));

    /// <summary>Writes the whole index (codebooks, lists, ids) in FAISS's own format.</summary>
    public byte[] Serialize()
    {
        NativeMethods.Check(NativeMethods.IndexSerialize(_handle, out var data, out var size));
        try
        {
            return new ReadOnlySpan<byte>((void*)data, checked((int)size)).ToArray();
        }
        finally
        {
            NativeMethods.BufferFree(data);
        }
    }

    /// <summary>A deep copy: a trained empty index cloned once per shard shares no state with the original.</summary>
    public FaissIndex Clone()
    {
        NativeMethods.Check(NativeMethods.IndexClone(_handle, out var pointer));
        return new FaissIndex(new FaissIndexHandle(pointer));
    }

    /// <summary>Bytes one stored vector's code takes (for IVF, without its id): 64 for PQ64, 4·d for Flat.</summary>
    public long CodeSize
    {
        get
        {
            NativeMethods.Check(NativeMethods.IndexCodeSize(_handle, out var bytes));
            return bytes;
        }
    }

    /// <summary>
    /// Whether <see cref="MergeFrom"/> can move <paramref name="source"/>'s entries into this index as they are:
    /// both are IVF indexes (Flat, PQ or SQ codes) of the same shape whose coarse centroids and trained codec
    /// are identical, as for two copies of one trained template.
    /// </summary>
    public bool CanMerge(FaissIndex source)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeMethods.Check(NativeMethods.IndexCanMerge(_handle, source._handle, out var result));
        return result != 0;
    }

    /// <summary>
    /// Moves every entry of <paramref name="source"/> into this index with <paramref name="addId"/> added to
    /// its id, copying the codes without decoding them (so nothing is lost to re-encoding); <paramref name="source"/>
    /// is left empty.
    /// </summary>
    /// <exception cref="FaissException">The indexes cannot be merged (see <see cref="CanMerge"/>).</exception>
    public void MergeFrom(FaissIndex source, long addId)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeMethods.Check(NativeMethods.IndexMergeFrom(_handle, source._handle, addId));
    }

    /// <summary>Frees the native index.</summary>
    public void Dispose() => _handle.Dispose();

    private int RowCount(ReadOnlySpan<float> rows, string name)
    {
        if (rows.Length % Dimension != 0)
        {
            throw new ArgumentException($"length {rows.Length} is not a multiple of the dimension {Dimension}", name);
        }
        return rows.Length / Dimension;
    }
}
