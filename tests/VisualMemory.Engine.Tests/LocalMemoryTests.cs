using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Faiss;

namespace VisualMemory.Engine.Tests;

public class LocalMemoryTests
{
    private const int Dimension = 16;

    private static LocalMemory NewMemory(string index = "Flat", int shards = 4, int sealThreshold = 1_000_000) =>
        new(new MemoryDefinition("m", Dimension, index, shards, NProbe: 8),
            new MemorySettings { SealThreshold = sealThreshold, TombstonePurgeThreshold = 8 });

    private static (long[] Ids, string[] Labels, float[] Vectors) Items(int count, int seed)
    {
        var (vectors, labels) = SyntheticClusters.Generate(count, Dimension, clusters: 10, spread: 0.5, seed);
        return ([.. Enumerable.Range(0, count).Select(i => (long)i * 7 + 1)], labels, vectors.Data);
    }

    // One FAISS Flat index over everything: what a sharded, segmented memory must reproduce exactly.
    private static long[][] Reference(long[] ids, float[] vectors, float[] queries, int k)
    {
        using var flat = FaissIndex.Create(Dimension, "Flat");
        flat.Add(vectors, ids);
        var result = flat.Search(queries, k);
        return [.. Enumerable.Range(0, result.QueryCount).Select(q => result.IdsOf(q).ToArray())];
    }

    private static long[][] IdsOf(Neighbor[][] results) => [.. results.Select(r => r.Select(n => n.Id).ToArray())];

    [Fact]
    public void Sharded_growing_and_sealed_search_equals_one_flat_index()
    {
        var (ids, labels, vectors) = Items(2000, seed: 1);
        var (_, _, queries) = Items(30, seed: 2);
        using var memory = NewMemory();
        memory.Upsert(ids[..1000], labels[..1000], vectors.AsSpan(0, 1000 * Dimension));
        memory.Seal();
        memory.Upsert(ids[1000..], labels[1000..], vectors.AsSpan(1000 * Dimension));

        Assert.Equal(2000, memory.Count);
        Assert.All(memory.ShardStats(), s => Assert.True(s.SealedItems > 0 && s.GrowingItems > 0));
        Assert.Equal(Reference(ids, vectors, queries, 10), IdsOf(memory.Search(queries, 10)));
    }

    [Fact]
    public void Neighbours_carry_labels_and_cosine_similarity_nearest_first()
    {
        using var memory = NewMemory(shards: 2);
        memory.Upsert([1, 2, 3], ["cat", "dog", "cat"], [.. Unit(0), .. Unit(1), .. Mix(0, 1)]);
        var result = memory.Search(Unit(0), 3)[0];
        Assert.Equal([1L, 3L, 2L], result.Select(n => n.Id));
        Assert.Equal(["cat", "cat", "dog"], result.Select(n => memory.Labels[n.Label]));
        Assert.Equal(1.0, result[0].Similarity, 5);
        Assert.Equal(Math.Sqrt(0.5), result[1].Similarity, 5);
        Assert.Equal(0.0, result[2].Similarity, 5);
    }

    [Fact]
    public void Vectors_are_normalised_on_the_way_in_and_queries_too()
    {
        using var memory = NewMemory(shards: 1);
        memory.Upsert([1], ["x"], [.. Scaled(Unit(3), 42f)]);
        Assert.Equal(1.0, memory.Search(Scaled(Unit(3), 0.01f), 1)[0][0].Similarity, 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Deleted_items_are_never_returned_whether_growing_or_sealed(bool sealFirst)
    {
        var (ids, labels, vectors) = Items(500, seed: 3);
        using var memory = NewMemory("IVF4,Flat");
        memory.Upsert(ids, labels, vectors);
        if (sealFirst)
        {
            memory.Seal();
        }
        var victims = memory.Search(vectors.AsSpan(0, 10 * Dimension), 5, nprobe: 4).SelectMany(r => r).Select(n => n.Id).Distinct().ToArray();
        foreach (var id in victims)
        {
            Assert.True(memory.Delete(id));
            Assert.False(memory.Delete(id));
        }
        Assert.Equal(500 - victims.Length, memory.Count);
        var after = memory.Search(vectors, 20, nprobe: 4);
        Assert.DoesNotContain(after.SelectMany(r => r), n => victims.Contains(n.Id));
        // Over-fetching for tombstones still fills k.
        Assert.All(after, r => Assert.Equal(20, r.Length));
    }

    [Fact]
    public void Adding_an_existing_id_replaces_it_wherever_it_lives()
    {
        using var memory = NewMemory(shards: 2);
        memory.Upsert([5], ["old"], Unit(0));
        memory.Seal();
        memory.Upsert([5], ["new"], Unit(1));
        Assert.Equal(1, memory.Count);
        Assert.Equal("new", memory.LabelOf(5));
        var hits = memory.Search(Unit(0), 5)[0];
        Assert.Single(hits);
        Assert.Equal(0.0, hits[0].Similarity, 5);
        // Replacing inside the growing segment overwrites in place.
        memory.Upsert([5], ["newer"], Unit(2));
        Assert.Equal(1, memory.Count);
        Assert.Equal(1.0, memory.Search(Unit(2), 1)[0][0].Similarity, 5);
    }

    [Fact]
    public void Deleted_then_re_added_ids_come_back()
    {
        using var memory = NewMemory(shards: 1);
        memory.Upsert([9], ["a"], Unit(4));
        Assert.True(memory.Delete(9));
        Assert.Empty(memory.Search(Unit(4), 1)[0]);
        memory.Upsert([9], ["b"], Unit(4));
        Assert.Equal("b", memory.Labels[memory.Search(Unit(4), 1)[0][0].Label]);
    }

    [Fact]
    public void Ivf_pq_memory_trains_once_seals_automatically_and_keeps_recall()
    {
        var (ids, labels, vectors) = Items(8000, seed: 4);
        var (_, _, queries) = Items(100, seed: 5);
        using var memory = NewMemory("IVF16,PQ8np", shards: 2, sealThreshold: 2000);
        Assert.False(memory.IsTrained);
        for (var start = 0; start < 8000; start += 1000)
        {
            memory.Upsert(ids[start..(start + 1000)], labels[start..(start + 1000)], vectors.AsSpan(start * Dimension, 1000 * Dimension));
        }
        Assert.True(memory.IsTrained);
        Assert.Null(memory.LastSealError);
        Assert.True(memory.ShardStats().Sum(s => s.SealedItems) >= 4000);

        var truth = Reference(ids, vectors, queries, 10);
        var found = IdsOf(memory.Search(queries, 10, nprobe: 16));
        var recall = truth.Zip(found, (t, f) => t.Intersect(f).Count()).Sum() / 1000.0;
        Assert.True(recall >= 0.5, $"recall@10 {recall}");
    }

    [Fact]
    public void A_failed_automatic_seal_keeps_the_data_searchable_and_reports_why()
    {
        var (ids, labels, vectors) = Items(300, seed: 6);
        using var memory = NewMemory("IVF1024,Flat", shards: 1, sealThreshold: 100);
        memory.Upsert(ids, labels, vectors);
        Assert.NotNull(memory.LastSealError);
        Assert.Equal(300, memory.Count);
        Assert.Equal(ids[0], memory.Search(vectors.AsSpan(0, Dimension), 1)[0][0].Id);
        Assert.Throws<FaissException>(() => memory.Seal());
    }

    [Fact]
    public async Task Writes_and_searches_can_run_concurrently()
    {
        var (ids, labels, vectors) = Items(4000, seed: 7);
        using var memory = NewMemory("IVF8,Flat", sealThreshold: 500);
        memory.Upsert(ids[..1000], labels[..1000], vectors.AsSpan(0, 1000 * Dimension));
        var writer = Task.Run(() =>
        {
            for (var start = 1000; start < 4000; start += 100)
            {
                memory.Upsert(ids[start..(start + 100)], labels[start..(start + 100)], vectors.AsSpan(start * Dimension, 100 * Dimension));
                memory.Delete(ids[start - 1000]);
            }
        });
        var reader = Task.Run(() =>
        {
            while (!writer.IsCompleted)
            {
                Assert.All(memory.Search(vectors.AsSpan(0, 4 * Dimension), 10), r => Assert.Equal(10, r.Length));
            }
        });
        await Task.WhenAll(writer, reader);
        Assert.Equal(4000 - 30, memory.Count);
    }

    [Fact]
    public void Definitions_are_checked_field_by_field_against_faiss()
    {
        var problems = new MemoryDefinition("bad name!", 0, "Flat", 0, 0).Problems();
        Assert.Equal(["name", "dimension", "shards", "nprobe"], problems.Select(p => p.Field));
        var faiss = new MemoryDefinition("ok", 30, "IVF16,PQ7", 1, 1).Problems();
        Assert.Equal("index", Assert.Single(faiss).Field);
        Assert.Empty(new MemoryDefinition("ok", 32, "IVF256,PQ16", 4, 16).Problems());
    }

    [Fact]
    public void The_catalog_refuses_duplicate_names_and_drops_memories()
    {
        using var catalog = new MemoryCatalog(new MemorySettings());
        var definition = new MemoryDefinition("shirts", Dimension, "Flat", 2, 1);
        Assert.NotNull(catalog.Create(definition).Created);
        Assert.Null(catalog.Create(definition).Created);
        Assert.Equal(["shirts"], catalog.Names);
        Assert.True(catalog.Drop("shirts"));
        Assert.Null(catalog.Find("shirts"));
    }

    private static float[] Unit(int axis)
    {
        var v = new float[Dimension];
        v[axis] = 1;
        return v;
    }

    private static float[] Mix(int a, int b)
    {
        var v = Unit(a);
        v[b] = 1;
        return v;
    }

    private static float[] Scaled(float[] v, float factor) => [.. v.Select(x => x * factor)];
}
