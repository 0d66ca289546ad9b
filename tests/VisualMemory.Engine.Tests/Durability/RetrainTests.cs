using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Engine.Durability;
using VisualMemory.Faiss;
using VisualMemory.Storage;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>Retraining: an explicit new quantizer, every sealed segment re-encoded with it, stored.</summary>
public sealed class RetrainTests : IDisposable
{
    private const int D = 16;
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-retrain-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private MemoryStorage Storage() => new(new LocalDirectoryObjectStore(Path.Combine(_directory, "objects")), Path.Combine(_directory, "wal"));

    private static (long[] Ids, string[] Labels, float[] Vectors) Items(int count, int seed, long firstId, float shift)
    {
        var (vectors, labels) = SyntheticClusters.Generate(count, D, clusters: 6, spread: 0.4, seed);
        var data = vectors.Data;
        for (var i = 0; i < data.Length; i += D)
        {
            data[i] += shift;
        }
        return ([.. Enumerable.Range(0, count).Select(i => firstId + i)], labels, data);
    }

    [Fact]
    public async Task Retraining_replaces_the_quantizer_keeps_every_item_and_survives_a_reopen()
    {
        var storage = Storage();
        var settings = new MemorySettings { SealThreshold = 1_000_000 };
        var definition = new MemoryDefinition("m", D, "IVF8,Flat", Shards: 2, NProbe: 8);
        var first = Items(1500, seed: 1, firstId: 0, shift: 0);
        // A second batch from elsewhere in the space: the first quantizer never saw it.
        var second = Items(1500, seed: 2, firstId: 10_000, shift: 3);
        var queries = first.Vectors.AsSpan(0, 10 * D).ToArray().Concat(second.Vectors.AsSpan(0, 10 * D).ToArray()).ToArray();
        Neighbor[][] before;
        byte[] oldQuantizer;
        using (var memory = await LocalMemory.CreateAsync(definition, settings, storage))
        {
            memory.Upsert(first.Ids, first.Labels, first.Vectors);
            memory.Seal();
            memory.Upsert(second.Ids, second.Labels, second.Vectors);
            memory.Seal();
            oldQuantizer = (await storage.ReadQuantizerAsync("m"))!;
            // nprobe = nlist: IVF-Flat is then exact whatever the quantizer, so results must not move.
            before = memory.Search(queries, 10, nprobe: 8);

            var rows = await memory.RetrainAsync();

            Assert.Equal(3000, rows);
            Assert.Equal(3000, memory.Count);
            Assert.NotEqual(oldQuantizer, await storage.ReadQuantizerAsync("m"));
            Assert.Equal(Ids(before), Ids(memory.Search(queries, 10, nprobe: 8)));
            Assert.Equal(0, memory.StorageStats().LogRecords);
        }
        using var reopened = await LocalMemory.OpenAsync("m", settings, storage);
        Assert.Equal(3000, reopened.Count);
        Assert.Equal(Ids(before), Ids(reopened.Search(queries, 10, nprobe: 8)));
    }

    [Fact]
    public async Task Retraining_with_too_few_items_fails_and_changes_nothing()
    {
        var storage = Storage();
        var settings = new MemorySettings { SealThreshold = 1_000_000 };
        using var memory = await LocalMemory.CreateAsync(new MemoryDefinition("m", D, "IVF64,Flat", Shards: 1, NProbe: 8), settings, storage);
        var few = Items(20, seed: 3, firstId: 0, shift: 0);
        memory.Upsert(few.Ids, few.Labels, few.Vectors);
        await Assert.ThrowsAsync<FaissException>(() => memory.RetrainAsync());
        Assert.Equal(20, memory.Count);
        Assert.Null(await storage.ReadQuantizerAsync("m"));
    }

    private static long[][] Ids(Neighbor[][] results) => [.. results.Select(r => r.Select(n => n.Id).ToArray())];
}
