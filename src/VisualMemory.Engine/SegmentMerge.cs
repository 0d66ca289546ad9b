namespace VisualMemory.Engine;

/// <summary>
/// When a checkpoint merges sealed segments: every checkpoint of a durable shard that had writes (or a
/// bulk-load chunk) adds a segment, and each segment costs a FAISS search per query (for IVF, a coarse
/// assignment each). Segments whose IVF codes share the memory's quantizer are merged <paramref name="Count"/>
/// at a time by size tier (<see cref="TieredMergePolicy"/>); other small ones are re-encoded into one once
/// there are <paramref name="Count"/> of them.
/// </summary>
/// <param name="Count">How many segments one merge takes (at least 2).</param>
/// <param name="SmallRows">A sealed segment with fewer live rows than this is small (and the lowest tier's bound).</param>
/// <param name="MaxBytes">No merge by codes makes a segment whose codes and ids take more bytes than this.</param>
public sealed record SegmentMerge(int Count, int SmallRows, long MaxBytes = 1L << 30);
