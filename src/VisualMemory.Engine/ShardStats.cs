namespace VisualMemory.Engine;

/// <summary>Counts describing one shard.</summary>
/// <param name="Shard">Shard number.</param>
/// <param name="Items">Live items.</param>
/// <param name="SealedSegments">Segments with a FAISS index.</param>
/// <param name="SealedItems">Live items in sealed segments.</param>
/// <param name="GrowingItems">Live items in exact (growing or frozen) segments.</param>
/// <param name="Tombstones">Deleted or replaced rows still stored.</param>
public sealed record ShardStats(int Shard, int Items, int SealedSegments, long SealedItems, long GrowingItems, long Tombstones)
{
    /// <summary>Approximate bytes held in RAM: vectors or FAISS indexes, row data and the id map.</summary>
    public long RamBytes { get; init; }

    /// <summary>Segments stored in object storage (0 for a shard that lives in memory only).</summary>
    public int StoredSegments { get; init; }

    /// <summary>Bytes of the stored segment objects.</summary>
    public long StoredSegmentBytes { get; init; }

    /// <summary>Bytes of the write-ahead log on local disk.</summary>
    public long LogBytes { get; init; }

    /// <summary>Log records not yet covered by stored segments (replayed at the next start).</summary>
    public long LogRecords { get; init; }

    /// <summary>The current manifest generation, -1 before the first checkpoint (or without storage).</summary>
    public long ManifestGeneration { get; init; }
}
