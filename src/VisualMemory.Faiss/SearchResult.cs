namespace VisualMemory.Faiss;

/// <summary>
/// The k results of each of a batch of queries, laid out row by row as FAISS returns them:
/// query q's j-th result is at index q*K + j. Missing results (fewer than k vectors) have id -1.
/// </summary>
/// <param name="QueryCount">Number of queries in the batch.</param>
/// <param name="K">Results per query.</param>
/// <param name="Scores">Inner products (larger is closer) or squared L2 distances (smaller is closer).</param>
/// <param name="Ids">The 64-bit ids given at add time, or -1.</param>
public sealed record SearchResult(int QueryCount, int K, float[] Scores, long[] Ids)
{
    /// <summary>The scores of one query.</summary>
    public ReadOnlySpan<float> ScoresOf(int query) => Scores.AsSpan(query * K, K);

    /// <summary>The ids of one query.</summary>
    public ReadOnlySpan<long> IdsOf(int query) => Ids.AsSpan(query * K, K);
}
