using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>Storage figures follow what is in object storage and in the logs.</summary>
public class StorageStatsTests
{
    private const int Dimension = 16;

    [Fact]
    public async Task Checkpoints_fill_stored_segments_and_empty_the_logs_which_grow_with_each_write()
    {
        using var directory = new DurableDirectory();
        var settings = new MemorySettings { SealThreshold = 1_000_000 };
        using var memory = await LocalMemory.CreateAsync(new MemoryDefinition("m", Dimension, "Flat", Shards: 3, NProbe: 1), settings, directory.Storage());
        var empty = memory.StorageStats();
        Assert.True(empty.Durable);
        Assert.Equal((0, 0L, 0L), (empty.StoredSegments, empty.StoredSegmentBytes, empty.LogRecords));

        var (ids, labels, vectors) = Items(60, Dimension, seed: 70);
        memory.Upsert(ids, labels, vectors);
        var logged = memory.StorageStats();
        Assert.Equal(3, logged.LogRecords);   // one record per shard
        Assert.True(logged.LogBytes > 60 * Dimension * sizeof(float));
        Assert.Equal(0, logged.StoredSegments);

        await memory.CheckpointAsync();
        var stored = memory.StorageStats();
        Assert.Equal(3, stored.StoredSegments);
        Assert.Equal(3, stored.SealedSegments);
        Assert.True(stored.StoredSegmentBytes > 60 * Dimension * sizeof(float));
        Assert.Equal(0, stored.LogRecords);

        // Writes after the checkpoint: one record each for the one shard an id lives in.
        memory.Upsert([1000], ["x"], vectors.AsSpan(0, Dimension));
        Assert.Equal(1, memory.StorageStats().LogRecords);
        memory.Upsert([1001], ["x"], vectors.AsSpan(Dimension, Dimension));
        Assert.Equal(2, memory.StorageStats().LogRecords);
        Assert.True(memory.Delete(5));
        Assert.Equal(3, memory.StorageStats().LogRecords);
        Assert.Equal(stored.StoredSegmentBytes, memory.StorageStats().StoredSegmentBytes);

        await memory.CheckpointAsync();
        Assert.Equal(0, memory.StorageStats().LogRecords);
    }
}
