namespace VisualMemory.Engine;

/// <summary>Engine tuning shared by every memory on a node. Bound from configuration section "Memory".</summary>
public sealed class MemorySettings
{
    /// <summary>Shards per memory when a create request does not say.</summary>
    public int DefaultShards { get; set; } = 4;

    /// <summary>Default nprobe when a create request does not say.</summary>
    public int DefaultNProbe { get; set; } = 16;

    /// <summary>Rows a shard's growing segment may hold before it is sealed automatically.</summary>
    public int SealThreshold { get; set; } = 50_000;

    /// <summary>Most vectors used to train a memory's quantizer (IVF centroids, PQ codebooks).</summary>
    public int TrainingSampleSize { get; set; } = 100_000;

    /// <summary>Tombstones a sealed segment may collect before they are removed from its FAISS index.</summary>
    public int TombstonePurgeThreshold { get; set; } = 1024;

    /// <summary>Seconds a durable shard's oldest unsealed write may wait before a checkpoint seals it (bounds log replay at restart).</summary>
    public double SealMaxAgeSeconds { get; set; } = 600;

    /// <summary>Deleted rows in a durable shard's stored segments that trigger a compaction.</summary>
    public long CompactionDeadRows { get; set; } = 10_000;

    /// <summary>Write-ahead-log bytes of one shard that trigger a checkpoint.</summary>
    public long MaxLogBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How many sealed segments a durable shard's checkpoint merges into one (below 2: never). Segments whose
    /// IVF codes share the memory's quantizer merge this many at a time per size tier, by moving their codes;
    /// other ones smaller than half <see cref="SealThreshold"/> are re-encoded into one once there are this many.
    /// </summary>
    public int MergeSegments { get; set; } = 8;

    /// <summary>
    /// The most bytes of codes (and ids) a merge puts in one segment: a segment is one object in storage and
    /// one serialized buffer in memory, so this stays well under 2 GiB.
    /// </summary>
    public long MaxSegmentBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Assign each query's coarse IVF lists once, on the memory's quantizer, for every sealed segment encoded with
    /// it, instead of once per segment (the answers are the same; off only to measure the difference).
    /// </summary>
    public bool ShareCoarseAssignment { get; set; } = true;

    /// <summary>How often the background maintenance looks for shards to checkpoint.</summary>
    public int CheckpointIntervalMilliseconds { get; set; } = 1000;
}
