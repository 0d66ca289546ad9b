using VisualMemory.Datasets;

namespace VisualMemory.Faiss.Tests;

public class FaissIndexTests
{
    private const int Dimension = 32;

    private static (float[] Data, long[] Ids, float[] Queries) Clustered(int rows, int queries, int seed)
    {
        var (data, _) = SyntheticClusters.Generate(rows, Dimension, clusters: 20, spread: 0.6, seed);
        var (query, _) = SyntheticClusters.Generate(queries, Dimension, clusters: 20, spread: 0.6, seed);
        // Sparse, large ids: the binding must carry 64-bit ids, not row numbers.
        var ids = Enumerable.Range(0, rows).Select(i => 1_000_000_007L * i + 3).ToArray();
        return (data.Data, ids, query.Data);
    }

    [Fact]
    public void Flat_search_equals_brute_force()
    {
        var (data, ids, queries) = Clustered(2000, 50, seed: 1);
        using var index = FaissIndex.Create(Dimension, "Flat");
        Assert.True(index.IsTrained);
        index.Add(data, ids);
        Assert.Equal(2000, index.Count);

        var result = index.Search(queries, k: 10);
        var expected = BruteForce.Search(data, ids, queries, Dimension, 10);
        for (var q = 0; q < 50; q++)
        {
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(expected[q][j].Score, result.ScoresOf(q)[j], 4);
                // Ids must agree wherever the score is not tied with a neighbour's.
                if (j + 1 >= 10 || Math.Abs(expected[q][j].Score - expected[q][j + 1].Score) > 1e-5)
                {
                    Assert.Equal(expected[q][j].Id, result.IdsOf(q)[j]);
                }
            }
        }
    }

    [Theory]
    // "np" skips FAISS's polysemous training, which alone takes ~25 s for PQ8 here; the plain
    // variant is covered once, with the coarser PQ8 code.
    [InlineData("IVF64,PQ8", 0.45)]
    [InlineData("IVF64,PQ16np", 0.70)]
    [InlineData("IVF64,Flat", 0.97)]
    public void Ivf_indexes_reach_their_recall_at_10_against_flat(string description, double minimumRecall)
    {
        var (data, ids, queries) = Clustered(20_000, 200, seed: 2);
        using var flat = FaissIndex.Create(Dimension, "Flat");
        flat.Add(data, ids);
        using var ivf = FaissIndex.Create(Dimension, description);
        Assert.False(ivf.IsTrained);
        Assert.Equal(64, ivf.NList);
        ivf.Train(data);
        Assert.True(ivf.IsTrained);
        ivf.Add(data, ids);

        var truth = flat.Search(queries, 10);
        var found = ivf.Search(queries, 10, nprobe: 16);
        var recall = Recall(truth, found);
        Assert.True(recall >= minimumRecall, $"{description}: recall@10 {recall:F3} < {minimumRecall}");
        // More probes never hurt recall, and one probe is measurably worse on clustered data.
        Assert.True(Recall(truth, ivf.Search(queries, 10, nprobe: 1)) < Recall(truth, ivf.Search(queries, 10, nprobe: 64)));
    }

    [Fact]
    public void Removed_ids_are_never_returned()
    {
        var (data, ids, queries) = Clustered(1000, 20, seed: 3);
        using var index = FaissIndex.Create(Dimension, "IVF16,Flat");
        index.Train(data);
        index.Add(data, ids);
        var before = index.Search(queries, 5, nprobe: 16);
        var victims = before.Ids.Distinct().ToArray();
        Assert.Equal(victims.Length, index.Remove(victims));
        Assert.Equal(1000 - victims.Length, index.Count);
        var after = index.Search(queries, 5, nprobe: 16);
        Assert.Empty(after.Ids.Intersect(victims));
    }

    [Fact]
    public void Serialized_bytes_round_trip_to_an_identical_index()
    {
        var (data, ids, queries) = Clustered(3000, 30, seed: 4);
        using var index = FaissIndex.Create(Dimension, "IVF32,PQ8np");
        index.Train(data);
        index.Add(data, ids);
        var bytes = index.Serialize();
        using var copy = FaissIndex.Deserialize(bytes);
        Assert.Equal(index.Count, copy.Count);
        Assert.Equal(index.NList, copy.NList);
        Assert.Equal(MetricKind.InnerProduct, copy.Metric);
        var a = index.Search(queries, 10, nprobe: 8);
        var b = copy.Search(queries, 10, nprobe: 8);
        Assert.Equal(a.Ids, b.Ids);
        Assert.Equal(a.Scores, b.Scores);
    }

    [Fact]
    public void A_clone_is_independent_of_its_original()
    {
        var (data, ids, _) = Clustered(1000, 1, seed: 5);
        using var template = FaissIndex.Create(Dimension, "IVF16,PQ8np");
        template.Train(data);
        using var clone = template.Clone();
        clone.Add(data, ids);
        Assert.Equal(0, template.Count);
        Assert.Equal(1000, clone.Count);
    }

    [Fact]
    public void Missing_results_come_back_as_minus_one()
    {
        using var index = FaissIndex.Create(4, "Flat");
        index.Add([1, 0, 0, 0], [42]);
        var result = index.Search([1, 0, 0, 0], k: 3);
        Assert.Equal([42L, -1L, -1L], result.Ids);
    }

    [Fact]
    public void Unknown_factory_strings_raise_faiss_errors_not_crashes()
    {
        var e = Assert.Throws<FaissException>(() => FaissIndex.Create(Dimension, "NoSuchIndex"));
        Assert.Contains("NoSuchIndex", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pq_that_does_not_divide_the_dimension_is_a_faiss_error()
    {
        var e = Assert.Throws<FaissException>(() => FaissIndex.Create(30, "IVF16,PQ7"));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Adding_to_an_untrained_index_is_a_faiss_error()
    {
        using var index = FaissIndex.Create(Dimension, "IVF16,PQ8");
        var e = Assert.Throws<FaissException>(() => index.Add(new float[Dimension], [1]));
        Assert.Contains("trained", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Training_on_too_few_points_is_a_faiss_error()
    {
        using var index = FaissIndex.Create(Dimension, "IVF256,Flat");
        var (data, _, _) = Clustered(100, 1, seed: 6);
        Assert.Throws<FaissException>(() => index.Train(data));
    }

    [Fact]
    public void Garbage_bytes_are_refused_on_load()
    {
        var e = Assert.Throws<FaissException>(() => FaissIndex.Deserialize("definitely not an index"u8));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Truncated_index_bytes_are_refused_on_load()
    {
        var (data, ids, _) = Clustered(500, 1, seed: 7);
        using var index = FaissIndex.Create(Dimension, "Flat");
        index.Add(data, ids);
        var bytes = index.Serialize();
        Assert.Throws<FaissException>(() => FaissIndex.Deserialize(bytes.AsSpan(0, bytes.Length / 2)));
    }

    [Fact]
    public void Per_call_nprobe_does_not_change_the_index()
    {
        var (data, ids, queries) = Clustered(5000, 20, seed: 8);
        using var index = FaissIndex.Create(Dimension, "IVF32,Flat");
        index.Train(data);
        index.Add(data, ids);
        var defaultProbe = index.Search(queries, 10);
        index.Search(queries, 10, nprobe: 32);
        Assert.Equal(defaultProbe.Ids, index.Search(queries, 10).Ids);
        index.SetNProbe(32);
        Assert.Equal(index.Search(queries, 10, nprobe: 32).Ids, index.Search(queries, 10).Ids);
    }

    [Fact]
    public void Concurrent_searches_agree_with_a_sequential_one()
    {
        var (data, ids, queries) = Clustered(5000, 64, seed: 9);
        using var index = FaissIndex.Create(Dimension, "IVF32,PQ8np");
        index.Train(data);
        index.Add(data, ids);
        var expected = index.Search(queries, 10, nprobe: 8).Ids;
        Parallel.For(0, 16, _ => Assert.Equal(expected, index.Search(queries, 10, nprobe: 8).Ids));
    }

    [Fact]
    public void Wrong_lengths_are_argument_errors()
    {
        using var index = FaissIndex.Create(4, "Flat");
        Assert.Throws<ArgumentException>(() => index.Add(new float[5], [1]));
        Assert.Throws<ArgumentException>(() => index.Add(new float[8], [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[4], 0));
    }

    [Fact]
    public void Exact_knn_over_plain_rows_equals_brute_force()
    {
        var (data, _, queries) = Clustered(500, 10, seed: 10);
        var rowIds = Enumerable.Range(0, 500).Select(i => (long)i).ToArray();
        var result = FaissNative.KnnInnerProduct(queries, data, Dimension, 5);
        var expected = BruteForce.Search(data, rowIds, queries, Dimension, 5);
        for (var q = 0; q < 10; q++)
        {
            Assert.Equal(expected[q].Select(e => e.Id), result.IdsOf(q).ToArray());
        }
    }

    private static double Recall(SearchResult truth, SearchResult found)
    {
        var hits = 0;
        for (var q = 0; q < truth.QueryCount; q++)
        {
            hits += truth.IdsOf(q).ToArray().Intersect(found.IdsOf(q).ToArray()).Count();
        }
        return hits / (double)truth.Ids.Length;
    }
}
