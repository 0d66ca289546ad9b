using VisualMemory.Core.Pruning;
using VisualMemory.Datasets;

namespace VisualMemory.Engine.Tests;

// Sources, labels and pruning state live in segment columns; these behaviours must hold in growing
// and in sealed segments alike.
public class ItemColumnsTests
{
    private const int Dimension = 16;

    private static LocalMemory Memory(string index = "IVF4,Flat") =>
        new(new MemoryDefinition("m", Dimension, index, Shards: 3, NProbe: 4), new MemorySettings { SealThreshold = 1_000_000, TombstonePurgeThreshold = 16 });

    private static (long[] Ids, string[] Labels, string?[] Sources, float[] Vectors) Items(int count, int seed)
    {
        var (vectors, labels) = SyntheticClusters.Generate(count, Dimension, clusters: 6, spread: 0.5, seed);
        var sources = Enumerable.Range(0, count).Select(i => i % 3 == 0 ? "licensed" : i % 3 == 1 ? "scraped" : null).ToArray();
        return ([.. Enumerable.Range(0, count).Select(i => (long)i)], labels, sources, vectors.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Delete_by_source_and_by_label_removes_exactly_those_items(bool seal)
    {
        var (ids, labels, sources, vectors) = Items(600, seed: 1);
        using var memory = Memory();
        memory.Upsert(ids, labels, vectors, sources);
        if (seal)
        {
            memory.Seal();
        }
        var scraped = memory.DeleteSource("scraped");
        Assert.Equal(ids.Where(i => sources[i] == "scraped"), scraped.Order());
        var label = labels[0];
        var labelled = memory.DeleteLabel(label);
        Assert.Equal(ids.Where(i => labels[i] == label && sources[i] != "scraped"), labelled.Order());
        Assert.Empty(memory.DeleteSource("never-seen"));

        var hits = memory.Search(vectors, 50).SelectMany(r => r).ToList();
        Assert.NotEmpty(hits);
        Assert.DoesNotContain(hits, n => sources[n.Id] == "scraped" || labels[n.Id] == label);
        Assert.Equal(600 - scraped.Count - labelled.Count, memory.Count);
        Assert.False(memory.TryGetItem(0, out _));
        var licensed = ids.First(i => sources[i] == "licensed" && labels[i] != label);
        Assert.True(memory.TryGetItem(licensed, out var item));
        Assert.Equal("licensed", memory.SourceName(item));
        Assert.Equal(labels[licensed], memory.Labels[item.Label]);
        var untagged = ids.First(i => sources[i] is null && labels[i] != label);
        Assert.True(memory.TryGetItem(untagged, out var bare));
        Assert.Null(memory.SourceName(bare));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pruning_modes_hide_or_down_weight_marked_items(bool seal)
    {
        var (ids, labels, sources, vectors) = Items(300, seed: 2);
        using var memory = Memory();
        memory.Upsert(ids, labels, vectors, sources);
        if (seal)
        {
            memory.Seal();
        }
        var query = vectors.AsSpan(0, Dimension).ToArray();
        var before = memory.Search(query, 5)[0];
        var marked = before[0].Id;
        foreach (var shard in memory.Shards)
        {
            shard.ApplyPruning(id => id == marked ? (0.25f, true) : (1f, false));
        }

        Assert.Equal(before.Select(n => n.Id), memory.Search(query, 5, pruning: PruningMode.None)[0].Select(n => n.Id));
        Assert.All(memory.Search(query, 5, pruning: PruningMode.None)[0], n => Assert.Equal(1f, n.Reliability));
        var hard = memory.Search(query, 5, pruning: PruningMode.Hard)[0];
        Assert.Equal(5, hard.Length);
        Assert.DoesNotContain(hard, n => n.Id == marked);
        Assert.Equal(before.Skip(1).Select(n => n.Id), hard.Take(4).Select(n => n.Id));
        var soft = memory.Search(query, 5, pruning: PruningMode.Soft)[0];
        Assert.Equal(before.Select(n => n.Id), soft.Select(n => n.Id));
        Assert.Equal(0.25f, soft[0].Reliability);
        Assert.All(soft.Skip(1), n => Assert.Equal(1f, n.Reliability));

        // A re-added item starts unpruned.
        memory.Upsert([marked], [labels[marked]], query);
        Assert.Contains(memory.Search(query, 5, pruning: PruningMode.Hard)[0], n => n.Id == marked);
    }

    [Theory]
    [InlineData("Flat", 1e-6)]
    [InlineData("IVF4,Flat", 1e-6)]
    [InlineData("IVF4,PQ4", 0.35)]
    public void Live_items_come_back_with_their_vectors_after_sealing(string index, double tolerance)
    {
        var (ids, labels, sources, vectors) = Items(400, seed: 3);
        using var memory = Memory(index);
        memory.Upsert(ids, labels, vectors, sources);
        memory.Seal();
        memory.Delete(5);
        var seen = new Dictionary<long, float[]>();
        foreach (var shard in memory.Shards)
        {
            foreach (var batch in shard.LiveItems(batchSize: 37))
            {
                Assert.True(batch.Ids.Count <= 37);
                for (var i = 0; i < batch.Ids.Count; i++)
                {
                    Assert.Equal(labels[batch.Ids[i]], memory.Labels[batch.Labels[i]]);
                    seen.Add(batch.Ids[i], batch.Vectors.Slice(i * Dimension, Dimension).ToArray());
                }
            }
        }
        Assert.Equal(ids.Where(i => i != 5), seen.Keys.Order());
        var worst = seen.Max(p => Distance(p.Value, Normalised(vectors.AsSpan((int)p.Key * Dimension, Dimension))));
        Assert.InRange(worst, 0, tolerance);
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());

    private static float[] Normalised(ReadOnlySpan<float> v)
    {
        var copy = v.ToArray();
        VisualMemory.Core.Vectors.VectorMath.NormalizeL2(copy);
        return copy;
    }
}
