namespace VisualMemory.Faiss;

/// <summary>FAISS routines that work on plain arrays rather than on an index.</summary>
public static unsafe class FaissNative
{
    /// <summary>
    /// Exact maximum-inner-product k-NN of each query row among the rows of <paramref name="data"/>,
    /// using FAISS's BLAS-backed kernel. Result j of query q is the row number at q*k + j (or -1).
    /// Thread-safe: it only reads its inputs.
    /// </summary>
    public static SearchResult KnnInnerProduct(ReadOnlySpan<float> queries, ReadOnlySpan<float> data, int dimension, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queries.Length % dimension != 0 || data.Length % dimension != 0)
        {
            throw new ArgumentException($"input lengths must be multiples of the dimension {dimension}");
        }
        var nq = queries.Length / dimension;
        var scores = new float[checked(nq * k)];
        var rows = new long[scores.Length];
        fixed (float* x = queries)
        fixed (float* y = data)
        fixed (float* s = scores)
        fixed (long* r = rows)
        {
            NativeMethods.Check(NativeMethods.KnnInnerProduct(x, nq, y, data.Length / dimension, dimension, k, s, r));
        }
        return new SearchResult(nq, k, scores, rows);
    }

    /// <summary>
    /// The OpenMP thread count FAISS uses for batched work in this process. Process-wide: set it once
    /// at start-up (benchmarks set it to match their peer).
    /// </summary>
    public static int Threads
    {
        get => NativeMethods.GetNumThreads();
        set => NativeMethods.Check(NativeMethods.SetNumThreads(value));
    }
}
