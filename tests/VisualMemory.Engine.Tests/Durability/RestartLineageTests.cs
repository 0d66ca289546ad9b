using VisualMemory.Engine.Durability;
using VisualMemory.Storage;
using VisualMemory.TestSupport;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// A memory's history survives any sequence of restarts: log positions continue across reopen, and a
/// node that starts with an empty log directory over existing objects ("fresh node", lost disk)
/// continues after what the shard manifests cover instead of reusing covered positions.
/// </summary>
public class RestartLineageTests
{
    private const int Dimension = 16;
    private static readonly MemorySettings Settings = new() { SealThreshold = 1_000_000 };
    private static readonly MemoryDefinition Definition = new("m", Dimension, "Flat", Shards: 3, NProbe: 1);

    // Batch b: 20 items with ids 100·b.., so each batch reaches every shard.
    private static long[] Write(LocalMemory memory, int batch)
    {
        var (ids, labels, vectors) = Items(20, Dimension, seed: 40 + batch, firstId: 100 * batch);
        memory.Upsert(ids, labels, vectors);
        return ids;
    }

    private static void AssertHolds(LocalMemory memory, List<long> ids)
    {
        Assert.Equal(ids.Count, memory.Count);
        Assert.All(ids, id => Assert.NotNull(memory.LabelOf(id)));
    }

    // The logs hold exactly the records written since the last checkpoint, after the covered
    // positions (a log restarted at 1 under a manifest covering more would count fewer).
    private static void AssertLogsContinue(LocalMemory memory, long recordsSinceCheckpoint) =>
        Assert.Equal(recordsSinceCheckpoint, memory.StorageStats().LogRecords);

    [Fact]
    public async Task Writes_before_and_after_each_restart_all_survive()
    {
        using var directory = new DurableDirectory();
        var written = new List<long>();
        using (var memory = await LocalMemory.CreateAsync(Definition, Settings, directory.Storage()))
        {
            written.AddRange(Write(memory, 1));
            await memory.CheckpointAsync();
            written.AddRange(Write(memory, 2));
        }
        long[] next;
        using (var memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage()))
        {
            AssertHolds(memory, written);
            AssertLogsContinue(memory, 3);
            next = [.. memory.Shards.Select(s => s.Store!.Log.NextPosition)];
            written.AddRange(Write(memory, 3));
            // One record per shard, right after the replayed ones.
            Assert.Equal(next.Select(p => p + 1), memory.Shards.Select(s => s.Store!.Log.NextPosition));
        }
        using (var memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage()))
        {
            AssertHolds(memory, written);
            AssertLogsContinue(memory, 6);
            await memory.CheckpointAsync();
            AssertLogsContinue(memory, 0);
            written.AddRange(Write(memory, 4));
        }
        using (var memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage()))
        {
            AssertHolds(memory, written);
            AssertLogsContinue(memory, 3);
        }
    }

    [Fact]
    public async Task A_fresh_node_with_an_empty_log_directory_continues_after_the_stored_state()
    {
        using var directory = new DurableDirectory();
        await FreshNodeLineageAsync(new LocalDirectoryObjectStore(directory.Objects), directory.Root);
    }

    /// <summary>
    /// Write and checkpoint on a first node; open on a second node with the same objects and an
    /// empty log directory; write there (without checkpointing, so the writes live in the new logs
    /// only), restart, and find them; checkpoint and write again, restart, find everything.
    /// </summary>
    internal static async Task FreshNodeLineageAsync(IObjectStore objects, string logRoot)
    {
        var first = new MemoryStorage(objects, Path.Combine(logRoot, "wal-first"));
        var fresh = new MemoryStorage(objects, Path.Combine(logRoot, "wal-fresh"));
        var written = new List<long>();
        long[] covered;
        using (var memory = await LocalMemory.CreateAsync(Definition, Settings, first))
        {
            written.AddRange(Write(memory, 1));
            await memory.CheckpointAsync();
            written.AddRange(Write(memory, 2));
            await memory.CheckpointAsync();
            covered = [.. memory.Shards.Select(s => s.Store!.CoveredPosition)];
            Assert.All(covered, p => Assert.True(p > 1));
        }
        Assert.False(Directory.Exists(fresh.LogDirectory));
        using (var memory = await LocalMemory.OpenAsync("m", Settings, fresh))
        {
            AssertHolds(memory, written);
            // The new, empty logs start where the manifests stop, not at position 1.
            Assert.Equal(covered, memory.Shards.Select(s => s.Store!.Log.NextPosition));
            AssertLogsContinue(memory, 0);
            written.AddRange(Write(memory, 3));
            AssertLogsContinue(memory, 3);
        }
        using (var memory = await LocalMemory.OpenAsync("m", Settings, fresh))
        {
            AssertHolds(memory, written);
            AssertLogsContinue(memory, 3);
            await memory.CheckpointAsync();
            written.AddRange(Write(memory, 4));
        }
        using (var memory = await LocalMemory.OpenAsync("m", Settings, fresh))
        {
            AssertHolds(memory, written);
            AssertLogsContinue(memory, 3);
        }
    }
}

/// <summary>The fresh-node lineage against a real S3 API (s3rver), where objects and logs are on different systems.</summary>
public sealed class S3RestartLineageTests(S3ServerFixture server) : IClassFixture<S3ServerFixture>
{
    [Fact]
    public async Task A_fresh_node_with_an_empty_log_directory_continues_after_the_state_in_S3()
    {
        using var directory = new DurableDirectory();
        using var objects = new S3ObjectStore(server.Options("lineage-" + Guid.NewGuid().ToString("N")));
        await RestartLineageTests.FreshNodeLineageAsync(objects, directory.Root);
    }
}
