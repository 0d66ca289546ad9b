using System.Collections.Concurrent;
using VisualMemory.Core.Routing;
using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Engine.Durability;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Storage;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// Bulk loading (<see cref="LocalMemory.BulkLoadAsync"/>): rows encoded outside every lock and
/// attached by a checkpoint as sealed segments, never through the write-ahead log; exactly once per
/// origin, also across failures and restarts.
/// </summary>
public class BulkLoadTests
{
    private const int Dimension = 16;
    private static readonly MemorySettings Settings = new() { SealThreshold = 1_000_000 };
    private static readonly MemoryDefinition Flat = new("m", Dimension, "Flat", Shards: 3, NProbe: 1);

    [Fact]
    public async Task Bulk_loaded_rows_search_exactly_like_upserted_ones_and_load_from_storage_alone()
    {
        using var upserted = new DurableDirectory();
        using var bulk = new DurableDirectory();
        var (ids, labels, vectors) = Items(900, Dimension, seed: 1);
        var queries = vectors.AsSpan(0, 40 * Dimension).ToArray();
        Neighbor[][] expected;
        using (var memory = await LocalMemory.CreateAsync(Flat, Settings, upserted.Storage()))
        {
            memory.Upsert(ids, labels, vectors);
            await memory.CheckpointAsync();
            expected = memory.Search(queries, 10);
        }

        using (var memory = await LocalMemory.CreateAsync(Flat, Settings, bulk.Storage()))
        {
            var first = await Load(memory, "job/part-0", ids, labels, vectors, 0, 500);
            var second = await Load(memory, "job/part-1", ids, labels, vectors, 500, 400);
            Assert.Equal(new BulkLoadResult(500, 500, 0, 0, 0, 0), first);
            Assert.Equal(new BulkLoadResult(400, 400, 0, 0, 0, 0), second);
            Assert.Equal(900, memory.Count);
            AssertSame(expected, memory.Search(queries, 10));
            // Never through the log: nothing to replay, nothing was appended.
            Assert.Equal(0, memory.StorageStats().LogRecords);
            Assert.All(Directory.EnumerateFiles(bulk.Wal, "*.wal", SearchOption.AllDirectories), f => Assert.True(new FileInfo(f).Length == 0, f));
            Assert.Equal(labels[123], memory.LabelOf(123));
        }

        // A new node: same objects, empty log directory.
        using var reopened = await LocalMemory.OpenAsync("m", Settings, bulk.Storage(wal: "fresh-wal"));
        Assert.Equal(900, reopened.Count);
        AssertSame(expected, reopened.Search(queries, 10));
        Assert.Equal(labels[777], reopened.LabelOf(777));
    }

    [Fact]
    public async Task Ids_already_live_and_repeats_within_a_chunk_are_counted_as_duplicates_and_never_replace_items()
    {
        using var directory = new DurableDirectory();
        var (ids, labels, vectors) = Items(300, Dimension, seed: 2);
        using var memory = await LocalMemory.CreateAsync(Flat, Settings, directory.Storage());
        // Ids 0..49 are upserted first, with another label.
        memory.Upsert(ids[..50], [.. Enumerable.Repeat("upserted", 50)], vectors.AsSpan(0, 50 * Dimension));
        // The chunk: ids 0..299, then 0..9 and 200..219 again.
        long[] chunkIds = [.. ids, .. ids[..10], .. ids[200..220]];
        string[] chunkLabels = [.. labels, .. Enumerable.Repeat("repeat", 30)];
        float[] chunkVectors = [.. vectors, .. vectors.AsSpan(0, 10 * Dimension), .. vectors.AsSpan(200 * Dimension, 20 * Dimension)];

        var result = await memory.BulkLoadAsync("chunk", chunkIds, chunkLabels, chunkVectors);

        Assert.Equal(new BulkLoadResult(330, 250, 80, 0, 0, 0), result);
        Assert.Equal(300, memory.Count);
        Assert.Equal("upserted", memory.LabelOf(7));
        Assert.Equal(labels[210], memory.LabelOf(210));
        Assert.DoesNotContain(memory.Search(vectors, 1).Select(r => r[0].Label), l => memory.Labels[l] == "repeat");
    }

    [Fact]
    public async Task The_same_origin_twice_adds_nothing_twice_also_after_merges_compaction_and_a_restart()
    {
        using var directory = new DurableDirectory();
        // Small segments merge at every second checkpoint: origins must outlive the segments they came in.
        var settings = new MemorySettings { SealThreshold = 10_000, MergeSegments = 2 };
        var (ids, labels, vectors) = Items(1200, Dimension, seed: 3);
        var memory = await LocalMemory.CreateAsync(Flat, settings, directory.Storage());
        try
        {
            memory.Upsert(ids[..5], labels[..5], vectors.AsSpan(0, 5 * Dimension));
            var results = new List<BulkLoadResult>();
            for (var chunk = 0; chunk < 6; chunk++)
            {
                results.Add(await Load(memory, $"job/chunk-{chunk}", ids, labels, vectors, chunk * 200, 200));
            }
            Assert.Equal(new BulkLoadResult(200, 195, 5, 0, 0, 0), results[0]);
            Assert.All(results.Skip(1), r => Assert.Equal(new BulkLoadResult(200, 200, 0, 0, 0, 0), r));
            Assert.True(memory.ShardStats().All(s => s.SealedSegments < 6), "small segments were merged");
            // Every row of chunk 0 is deleted: its segments are dropped or compacted away, its origin stays.
            memory.Unlearn(UnlearningKind.Ids, null, ids[..200]);
            await memory.CheckpointAsync();
            Assert.Equal(1000, memory.Count);

            var again = await Load(memory, "job/chunk-0", ids, labels, vectors, 0, 200);
            Assert.Equal(new BulkLoadResult(200, 0, 0, 200, 195, 3), again);
            Assert.True(again.AlreadyLoaded);
            Assert.Equal(new BulkLoadResult(200, 0, 0, 200, 200, 3), await Load(memory, "job/chunk-4", ids, labels, vectors, 800, 200));
            Assert.Equal(1000, memory.Count);
            memory.Dispose();

            memory = await LocalMemory.OpenAsync("m", settings, directory.Storage(wal: "fresh-wal"));
            Assert.Equal(1000, memory.Count);
            Assert.Equal(new BulkLoadResult(200, 0, 0, 200, 195, 3), await Load(memory, "job/chunk-0", ids, labels, vectors, 0, 200));
            Assert.Equal(new BulkLoadResult(200, 0, 0, 200, 200, 3), await Load(memory, "job/chunk-5", ids, labels, vectors, 1000, 200));
            Assert.Equal(1000, memory.Count);
        }
        finally
        {
            memory.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_chunk_registered_in_only_some_shards_is_finished_by_a_rerun_with_exact_counts(bool restartBetween)
    {
        using var directory = new DurableDirectory();
        var (ids, labels, vectors) = Items(600, Dimension, seed: 4);
        // 30 ids of the chunk are live already: duplicates, in every shard.
        var objects = new FailingObjectStore(new LocalDirectoryObjectStore(directory.Objects));
        var memory = await LocalMemory.CreateAsync(Flat, Settings, new MemoryStorage(objects, directory.Wal));
        try
        {
            memory.Upsert(ids[..30], labels[..30], vectors.AsSpan(0, 30 * Dimension));
            var unique = 600 - 30;
            // Shard 1's next manifest put fails once: shards 0 and 2 register, shard 1 does not.
            objects.FailNextPut = key => key.Contains("/shards/1/manifest-", StringComparison.Ordinal);

            await Assert.ThrowsAsync<IOException>(() => Load(memory, "chunk", ids, labels, vectors, 0, 600));
            Assert.Null(objects.FailNextPut);
            var shardOne = ids.Where(id => ShardRouter.ShardOf(id, 3) == 1).ToArray();
            if (restartBetween)
            {
                // Killed before anything else stored shard 1: only shards 0 and 2 know the chunk.
                memory.Dispose();
                memory = await LocalMemory.OpenAsync("m", Settings, new MemoryStorage(objects, directory.Wal));
                Assert.Equal(600 - shardOne.Count(id => id >= 30), memory.Count);
            }
            var rerun = await Load(memory, "chunk", ids, labels, vectors, 0, 600);

            var duplicatesInShardOne = shardOne.Count(id => id < 30);
            if (restartBetween)
            {
                Assert.Equal(shardOne.Length - duplicatesInShardOne, rerun.Added);
                Assert.Equal(duplicatesInShardOne, rerun.Duplicates);
                Assert.Equal(2, rerun.ShardsAlreadyLoaded);
            }
            else
            {
                // The failed shard kept the rows attached in memory; the rerun only makes them durable.
                Assert.Equal(0, rerun.Added);
                Assert.Equal(3, rerun.ShardsAlreadyLoaded);
            }
            Assert.Equal(unique, rerun.Added + rerun.PreviouslyAdded);
            Assert.Equal(600, rerun.Added + rerun.Duplicates + rerun.AlreadyLoadedRows);
            Assert.Equal(600, memory.Count);
            memory.Dispose();

            memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage(wal: "fresh-wal"));
            Assert.Equal(600, memory.Count);
            var last = await Load(memory, "chunk", ids, labels, vectors, 0, 600);
            Assert.True(last.AlreadyLoaded);
            Assert.Equal(unique, last.PreviouslyAdded);
        }
        finally
        {
            memory.Dispose();
        }
    }

    [Fact]
    public async Task An_id_deleted_before_a_bulk_load_is_loaded_again_once_and_one_deleted_after_stays_deleted_across_a_restart()
    {
        using var directory = new DurableDirectory();
        var (ids, labels, vectors) = Items(200, Dimension, seed: 5);
        var memory = await LocalMemory.CreateAsync(Flat, Settings, directory.Storage());
        try
        {
            memory.Upsert(ids[..20], [.. Enumerable.Repeat("old", 20)], vectors.AsSpan(0, 20 * Dimension));
            await memory.CheckpointAsync();
            // Logged deletes, not yet covered by any checkpoint when the bulk load comes.
            Assert.True(memory.Delete(7));
            Assert.True(memory.Delete(8));

            var result = await Load(memory, "chunk", ids, labels, vectors, 0, 200);
            Assert.Equal(new BulkLoadResult(200, 182, 18, 0, 0, 0), result);
            Assert.True(memory.Delete(9));
            Assert.Equal(199, memory.Count);
            memory.Dispose();

            // No checkpoint since the delete of 9: it is only in the log, replayed after the bulk segment.
            memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage());
            Assert.Equal(199, memory.Count);
            Assert.Equal(labels[7], memory.LabelOf(7));
            Assert.Equal(labels[8], memory.LabelOf(8));
            Assert.Null(memory.LabelOf(9));
            Assert.Equal("old", memory.LabelOf(10));
            var hits = memory.Search(Row(vectors, 7, Dimension), 5)[0];
            Assert.Single(hits, n => n.Id == 7);
        }
        finally
        {
            memory.Dispose();
        }
    }

    [Fact]
    public async Task Unlearning_a_bulk_loaded_label_leaves_no_byte_of_its_vectors_in_any_file()
    {
        using var directory = new DurableDirectory();
        var (ids, labels, vectors) = Items(120, Dimension, seed: 6);
        long[] victims = [17, 18, 60];
        labels = [.. labels.Select((l, i) => victims.Contains(ids[i]) ? "doomed" : l)];
        using var memory = await LocalMemory.CreateAsync(Flat, Settings, directory.Storage());
        await Load(memory, "chunk", ids, labels, vectors, 0, 120);
        var stored = victims.Select(v => memory.Preprocess(Row(vectors, (int)v, Dimension))).ToArray();
        foreach (var bytes in stored)
        {
            // Sanity: the scan finds the victim, in a segment index and nowhere else (no log).
            Assert.All(directory.FilesContaining(bytes), f => Assert.EndsWith("index.faiss", f, StringComparison.Ordinal));
            Assert.NotEmpty(directory.FilesContaining(bytes));
        }

        var record = memory.Unlearn(UnlearningKind.Label, "doomed");
        Assert.Equal(3, record.Deleted);
        Assert.True(await memory.MaintainAsync() > 0);
        Assert.NotNull(memory.Unlearning.Records.Single().ForgottenAt);
        Assert.All(stored, bytes => Assert.Empty(directory.FilesContaining(bytes)));
        Assert.Equal(117, memory.Count);
    }

    [Fact]
    public async Task Upserts_and_searches_run_during_bulk_loads_and_everything_is_there_afterwards()
    {
        using var directory = new DurableDirectory();
        var definition = new MemoryDefinition("m", Dimension, "IVF8,Flat", Shards: 3, NProbe: 8);
        var (ids, labels, vectors) = Items(6000, Dimension, seed: 7);
        using var memory = await LocalMemory.CreateAsync(definition, new MemorySettings { SealThreshold = 700 }, directory.Storage());
        await memory.TrainQuantizerAsync(vectors.AsMemory(0, 2000 * Dimension));

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var searches = 0;
        var searcher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var results = memory.Search(vectors.AsSpan(0, 8 * Dimension), 5, nprobe: 8);
                if (results.Length != 8)
                {
                    failures.Enqueue($"{results.Length} results");
                }
                Interlocked.Increment(ref searches);
            }
        });
        // Ids 4000..5999 arrive as upserts (sealing and checkpointing at 700 rows a shard) while
        // 0..3999 arrive as four bulk chunks, two at a time.
        var writer = Task.Run(async () =>
        {
            for (var start = 4000; start < 6000; start += 100)
            {
                await memory.UpsertAsync(ids[start..(start + 100)], labels[start..(start + 100)], vectors.AsMemory(start * Dimension, 100 * Dimension));
                await memory.MaintainAsync();
            }
        });
        var loads = Enumerable.Range(0, 4).Select(c => Task.Run(() => Load(memory, $"chunk-{c}", ids, labels, vectors, c * 1000, 1000))).ToList();
        var loaded = await Task.WhenAll(loads);
        await writer;
        await stop.CancelAsync();
        await searcher;

        Assert.Empty(failures);
        Assert.True(searches > 0);
        Assert.All(loaded, r => Assert.Equal(1000, r.Added));
        Assert.Equal(6000, memory.Count);
        await memory.CheckpointAsync();
        var top = memory.Search(vectors.AsSpan(0, 6000 * Dimension), 1, nprobe: 8);
        Assert.Equal(ids, top.Select(r => r[0].Id));
    }

    [Fact]
    public async Task An_ivf_pq_memory_is_trained_on_a_sample_then_bulk_loaded_with_good_recall()
    {
        using var directory = new DurableDirectory();
        const int d = 32;
        var definition = new MemoryDefinition("pq", d, "IVF16,PQ16np", Shards: 2, NProbe: 4);
        var (vectors, labelSet) = SyntheticClusters.Generate(4000, d, clusters: 16, spread: 0.6, seed: 8);
        var data = vectors.Data;
        long[] ids = [.. Enumerable.Range(0, 4000).Select(i => (long)i)];
        using var memory = await LocalMemory.CreateAsync(definition, Settings, directory.Storage());

        var untrained = await Assert.ThrowsAsync<InvalidOperationException>(() => memory.BulkLoadAsync("c0", ids[..10], labelSet[..10], data.AsMemory(0, 10 * d)));
        Assert.Contains("train", untrained.Message, StringComparison.Ordinal);

        await memory.TrainQuantizerAsync(data.AsMemory(0, 1000 * d));
        Assert.True(memory.IsTrained);
        Assert.NotNull(await directory.Storage().ReadQuantizerAsync("pq"));
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(1000, (await memory.BulkLoadAsync($"c{c}", ids[(c * 1000)..((c + 1) * 1000)], labelSet[(c * 1000)..((c + 1) * 1000)],
                data.AsMemory(c * 1000 * d, 1000 * d))).Added);
        }
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => memory.TrainQuantizerAsync(data.AsMemory(0, 1000 * d)));
        Assert.Contains("retrain", refused.Message, StringComparison.Ordinal);

        // Recall@10 against exact search over the same (normalised) vectors.
        var queries = data.AsSpan(0, 100 * d).ToArray();
        var exact = memory.Preprocess(data);
        var found = memory.Search(queries, 10, nprobe: 16);
        var recall = Recall(found, exact, d);
        Assert.True(recall > 0.7, $"recall@10 {recall:F3}");

        // Retraining on request re-encodes everything and keeps it.
        Assert.Equal(4000, await memory.TrainQuantizerAsync(data.AsMemory(1000 * d, 1000 * d), retrain: true));
        Assert.Equal(4000, memory.Count);
        Assert.True(Recall(memory.Search(queries, 10, nprobe: 16), exact, d) > 0.7);
    }

    // The queries are the first rows of the data, so query q is row q of the exact (normalised) rows.
    private static double Recall(Neighbor[][] found, float[] exact, int d)
    {
        var hits = 0;
        var rows = exact.Length / d;
        for (var q = 0; q < found.Length; q++)
        {
            var query = exact.AsSpan(q * d, d).ToArray();
            var truth = Enumerable.Range(0, rows)
                .Select(r => (Id: (long)r, Score: Core.Vectors.VectorMath.Dot(query, exact.AsSpan(r * d, d))))
                .OrderByDescending(p => p.Score).ThenBy(p => p.Id).Take(10).Select(p => p.Id).ToHashSet();
            hits += found[q].Count(n => truth.Contains(n.Id));
        }
        return hits / (10.0 * found.Length);
    }

    private static Task<BulkLoadResult> Load(LocalMemory memory, string origin, long[] ids, string[] labels, float[] vectors, int start, int count) =>
        memory.BulkLoadAsync(origin, ids[start..(start + count)], labels[start..(start + count)], vectors.AsMemory(start * Dimension, count * Dimension));

    // Same ids and bit-identical similarities, in the same order.
    private static void AssertSame(Neighbor[][] expected, Neighbor[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var q = 0; q < expected.Length; q++)
        {
            Assert.Equal(expected[q].Select(n => (n.Id, BitConverter.SingleToInt32Bits(n.Similarity))), actual[q].Select(n => (n.Id, BitConverter.SingleToInt32Bits(n.Similarity))));
        }
    }

    /// <summary>An object store whose next put of a key <see cref="FailNextPut"/> selects throws an <see cref="IOException"/>, once.</summary>
    private sealed class FailingObjectStore(IObjectStore inner) : IObjectStore
    {
        public Func<string, bool>? FailNextPut { get; set; }

        public string Describe => inner.Describe;

        public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
        {
            Fail(key);
            return inner.PutAsync(key, content, cancellationToken);
        }

        public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
        {
            Fail(key);
            return inner.PutAsync(key, content, cancellationToken);
        }

        public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

        public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        private void Fail(string key)
        {
            if (FailNextPut is { } select && select(key))
            {
                FailNextPut = null;
                throw new IOException($"injected failure putting '{key}'");
            }
        }
    }
}
