using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// A durable memory whose index needs more vectors to train than it has can still checkpoint: it
/// stores exact Flat segments meanwhile and says so, and trains once there is enough data.
/// </summary>
public class UntrainedIndexTests
{
    private const int Dimension = 16;

    [Fact]
    public async Task Too_few_items_to_train_checkpoint_as_exact_segments_and_training_follows_with_enough_rows()
    {
        using var directory = new DurableDirectory();
        var settings = new MemorySettings { SealThreshold = 1_000_000 };
        var definition = new MemoryDefinition("m", Dimension, "IVF64,Flat", Shards: 2, NProbe: 64);
        var (ids, labels, vectors) = Items(20, Dimension, seed: 80);
        using (var memory = await LocalMemory.CreateAsync(definition, settings, directory.Storage()))
        {
            memory.Upsert(ids, labels, vectors);
            await memory.CheckpointAsync();
            Assert.False(memory.IsTrained);
            Assert.NotNull(memory.LastSealError);
            Assert.Contains("exact Flat", memory.LastSealError, StringComparison.Ordinal);
            var stats = memory.StorageStats();
            Assert.Equal(2, stats.StoredSegments);
            Assert.Equal(0, stats.LogRecords);
        }

        using var reopened = await LocalMemory.OpenAsync("m", settings, directory.Storage());
        Assert.False(reopened.IsTrained);
        Assert.Equal(20, reopened.Count);
        // Exact segments: every item is its own nearest neighbour.
        var hits = reopened.Search(vectors, 1);
        Assert.Equal(ids, hits.Select(h => h[0].Id));

        // Enough rows for 64 lists (FAISS wants about 39 training points per centroid).
        var (more, moreLabels, moreVectors) = Items(64 * 40, Dimension, seed: 81, firstId: 1000);
        reopened.Upsert(more, moreLabels, moreVectors);
        reopened.Seal();
        Assert.True(reopened.IsTrained);
        Assert.Equal(20 + 64 * 40, reopened.Count);
        Assert.Equal(ids, reopened.Search(vectors, 1).Select(h => h[0].Id));
        reopened.Dispose();

        using var trained = await LocalMemory.OpenAsync("m", settings, directory.Storage());
        Assert.True(trained.IsTrained);
        Assert.Equal(20 + 64 * 40, trained.Count);
        Assert.Equal(ids, trained.Search(vectors, 1).Select(h => h[0].Id));
    }
}
