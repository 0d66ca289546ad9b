namespace VisualMemory.Engine;

/// <summary>Counts describing one shard.</summary>
/// <param name="Shard">Shard number.</param>
/// <param name="Items">Live items.</param>
/// <param name="SealedSegments">Segments with a FAISS index.</param>
/// <param name="SealedItems">Live items in sealed segments.</param>
/// <param name="GrowingItems">Live items in exact (growing or frozen) segments.</param>
/// <param name="Tombstones">Deleted or replaced rows still stored.</param>
public sealed record ShardStats(int Shard, int Items, int SealedSegments, long SealedItems, long GrowingItems, long Tombstones);
