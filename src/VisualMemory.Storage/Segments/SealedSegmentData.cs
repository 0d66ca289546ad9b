namespace VisualMemory.Storage.Segments;

/// <summary>
/// The content of one sealed (immutable) segment as plain columns: what <see cref="SegmentObjectWriter"/>
/// stores and <see cref="SegmentObjectReader"/> gives back. The format does not interpret the values,
/// and it knows nothing of the engine's in-memory segment; the engine converts to and from this.
/// </summary>
/// <remarks>
/// Row <c>r</c> is <c>Ids[r]</c>, <c>Labels[r]</c>, <c>Sources[r]</c>, <c>Reliability[r]</c>,
/// <c>Flags[r]</c>; <see cref="Index"/> is the serialized FAISS index (whose ids are row numbers in
/// the engine), stored byte for byte. Every column has <see cref="RowCount"/> entries.
/// </remarks>
/// <param name="Number">The segment's sequence number within its shard (≥ 0).</param>
/// <param name="Dimension">The vector dimension of the index (≥ 1).</param>
/// <param name="RowCount">Rows in the segment (≥ 0).</param>
/// <param name="Ids">Item id per row.</param>
/// <param name="Labels">Label per row.</param>
/// <param name="Sources">Source per row.</param>
/// <param name="Reliability">Soft-pruning reliability weight per row.</param>
/// <param name="Flags">Flag bits per row (deleted, pruned, …), as the engine defines them.</param>
/// <param name="Index">The FAISS index bytes.</param>
#pragma warning disable CA1819 // Properties should not return arrays: this is a plain transfer record of columns.
public sealed record SealedSegmentData(
    long Number,
    int Dimension,
    int RowCount,
    long[] Ids,
    int[] Labels,
    int[] Sources,
    float[] Reliability,
    byte[] Flags,
    byte[] Index)
#pragma warning restore CA1819
{
    /// <summary>Throws an <see cref="ArgumentException"/> unless the numbers are in range and every column has <see cref="RowCount"/> entries.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Number, nameof(Number));
        ArgumentOutOfRangeException.ThrowIfLessThan(Dimension, 1, nameof(Dimension));
        ArgumentOutOfRangeException.ThrowIfNegative(RowCount, nameof(RowCount));
        ArgumentNullException.ThrowIfNull(Ids, nameof(Ids));
        ArgumentNullException.ThrowIfNull(Labels, nameof(Labels));
        ArgumentNullException.ThrowIfNull(Sources, nameof(Sources));
        ArgumentNullException.ThrowIfNull(Reliability, nameof(Reliability));
        ArgumentNullException.ThrowIfNull(Flags, nameof(Flags));
        ArgumentNullException.ThrowIfNull(Index, nameof(Index));
        Check(Ids.Length, nameof(Ids));
        Check(Labels.Length, nameof(Labels));
        Check(Sources.Length, nameof(Sources));
        Check(Reliability.Length, nameof(Reliability));
        Check(Flags.Length, nameof(Flags));
    }

    private void Check(int length, string column)
    {
        if (length != RowCount)
        {
            throw new ArgumentException($"Segment {Number}: column {column} has {length} entries but the row count is {RowCount}.", column);
        }
    }
}
