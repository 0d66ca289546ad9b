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
}
