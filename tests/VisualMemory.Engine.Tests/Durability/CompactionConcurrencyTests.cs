using System.Collections.Concurrent;
using System.Diagnostics;
using VisualMemory.Engine.Unlearning;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// A checkpoint that compacts stored segments (rewrites them without their deleted rows) lets
/// searches run meanwhile, and no search ever sees a deleted item, before, during or after.
/// </summary>
public class CompactionConcurrencyTests
{
    private const int Dimension = 32;
    private const int Rows = 4000;

    [Fact]
    public async Task Searches_keep_completing_during_a_compacting_checkpoint_and_never_return_deleted_items()
    {
        using var directory = new DurableDirectory();
        var settings = new MemorySettings { SealThreshold = 1_000_000 };
        var definition = new MemoryDefinition("m", Dimension, "IVF16,Flat", Shards: 2, NProbe: 16);
        using var memory = await LocalMemory.CreateAsync(definition, settings, directory.Storage());
        var (vectors, labels) = Datasets.SyntheticClusters.Generate(Rows, Dimension, clusters: 16, spread: 0.5, seed: 60);
        long[] ids = [.. Enumerable.Range(0, Rows).Select(i => (long)i)];
        memory.Upsert(ids, labels, vectors.Data);
        memory.Seal();
        Assert.True(memory.IsTrained);
        var storedBefore = memory.StorageStats().StoredSegmentBytes;
        Assert.True(storedBefore > 0);

        // Every other item goes; queries are exactly the deleted items' vectors, so a stale row would rank first.
        long[] deleted = [.. ids.Where(id => id % 2 == 0)];
        var gone = deleted.ToHashSet();
        memory.Unlearn(UnlearningKind.Ids, null, deleted);
        var queries = deleted.Take(64).SelectMany(id => Row(vectors.Data, (int)id, Dimension)).ToArray();

        var clock = Stopwatch.StartNew();
        var completed = new ConcurrentQueue<(long Start, long End)>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        void SearchUntilStopped(int offset)
        {
            while (!stop.IsCancellationRequested)
            {
                var start = clock.ElapsedTicks;
                try
                {
                    var batch = queries.AsSpan(offset * 8 * Dimension, 8 * Dimension);
                    foreach (var result in memory.Search(batch, 10, nprobe: 16))
                    {
                        if (result.Length != 10)
                        {
                            failures.Enqueue($"{result.Length} neighbours instead of 10");
                        }
                        foreach (var stale in result.Where(n => gone.Contains(n.Id)))
                        {
                            failures.Enqueue($"deleted item {stale.Id} returned");
                        }
                    }
                }
#pragma warning disable CA1031 // any failure of a concurrent search is what the test reports
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures.Enqueue(e.ToString());
                }
                completed.Enqueue((start, clock.ElapsedTicks));
                offset = (offset + 1) % 8;
            }
        }
        var searchers = new[] { Task.Run(() => SearchUntilStopped(0)), Task.Run(() => SearchUntilStopped(4)) };
        while (completed.IsEmpty)
        {
            await Task.Delay(1);
        }

        var checkpointStart = clock.ElapsedTicks;
        await Task.Run(() => memory.CheckpointAsync());
        var checkpointEnd = clock.ElapsedTicks;
        // Let the searchers run a little after the checkpoint too, over the compacted segments.
        var after = completed.Count;
        while (completed.Count < after + 10)
        {
            await Task.Delay(1);
        }
        await stop.CancelAsync();
        await Task.WhenAll(searchers);

        Assert.Empty(failures);
        // Searches that started after the checkpoint began and finished before it ended.
        var during = completed.Count(c => c.Start > checkpointStart && c.End < checkpointEnd);
        Assert.True(during > 0, $"no search completed within the {TimeSpan.FromTicks((checkpointEnd - checkpointStart) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)} checkpoint");
        // The compaction rewrote the segments without the deleted rows, and forgot them.
        var stats = memory.StorageStats();
        Assert.True(stats.StoredSegmentBytes < storedBefore * 3 / 4, $"{stats.StoredSegmentBytes} stored bytes after compaction, {storedBefore} before");
        Assert.Equal(0, stats.PendingForgets);
        Assert.NotNull(memory.Unlearning.Records.Single().ForgottenAt);
        Assert.Equal(Rows / 2, memory.Count);
        Assert.DoesNotContain(memory.Search(queries, 10, nprobe: 16).SelectMany(r => r), n => gone.Contains(n.Id));
    }
}
