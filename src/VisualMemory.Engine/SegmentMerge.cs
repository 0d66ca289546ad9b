namespace VisualMemory.Engine;

/// <summary>
/// When a checkpoint merges small sealed segments into one: every checkpoint of a durable shard that
/// had writes adds a segment, and each segment costs a FAISS search per query, so small ones are
/// combined once there are <paramref name="Count"/> of them.
/// </summary>
/// <param name="Count">How many small segments trigger a merge (at least 2).</param>
/// <param name="SmallRows">A sealed segment with fewer live rows than this is small.</param>
public sealed record SegmentMerge(int Count, int SmallRows);
