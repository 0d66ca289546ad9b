using VisualMemory.Datasets;

namespace VisualMemory.Faiss.Tests;

/// <summary>
/// Moving the entries of one IVF index into another without decoding: what lets a shard fold many segments
/// encoded with one trained template into one, so a query assigns to the coarse centroids once, not per segment.
/// </summary>
public class FaissMergeTests
{
    private const int Dimension = 32;

    private static float[] Rows(int rows, int seed) =>
        SyntheticClusters.Generate(rows, Dimension, clusters: 16, spread: 0.6, seed).Vectors.Data;

    private static FaissIndex Trained(string description, int seed)
    {
        var index = FaissIndex.Create(Dimension, description);
        index.Train(Rows(4_000, seed));
        return index;
    }

    private static long[] Range(long start, int count) => [.. Enumerable.Range(0, count).Select(i => start + i)];

    [Theory]
    [InlineData("IVF32,PQ8np")]
    [InlineData("IVF32,Flat")]
    [InlineData("IVF32,SQ8")]
    public void Merged_copies_of_one_template_answer_exactly_as_one_index_holding_every_row(string description)
    {
        using var template = Trained(description, seed: 1);
        var first = Rows(1_500, seed: 2);
        var second = Rows(1_000, seed: 3);
        var queries = Rows(40, seed: 4);

        using var whole = template.Clone();
        whole.Add(first, Range(0, 1_500));
        whole.Add(second, Range(1_500, 1_000));

        using var merged = template.Clone();
        merged.Add(first, Range(0, 1_500));
        using var other = template.Clone();
        // The second index numbers its rows from 0; the merge shifts them past the first's.
        other.Add(second, Range(0, 1_000));
        Assert.True(merged.CanMerge(other));
        merged.MergeFrom(other, addId: 1_500);

        Assert.Equal(2_500, merged.Count);
        Assert.Equal(0, other.Count);
        var expected = whole.Search(queries, k: 10, nprobe: 32);
        var actual = merged.Search(queries, k: 10, nprobe: 32);
        for (var q = 0; q < 40; q++)
        {
            Assert.Equal(expected.ScoresOf(q).ToArray(), actual.ScoresOf(q).ToArray());
            Assert.Equal(expected.IdsOf(q).ToArray().Order(), actual.IdsOf(q).ToArray().Order());
        }
    }

    [Fact]
    public void Indexes_trained_apart_or_of_another_kind_are_refused_and_left_as_they_were()
    {
        using var template = Trained("IVF32,PQ8np", seed: 1);
        using var retrained = Trained("IVF32,PQ8np", seed: 9);
        using var wider = Trained("IVF32,PQ16np", seed: 1);
        using var flat = FaissIndex.Create(Dimension, "Flat");
        using var untrained = FaissIndex.Create(Dimension, "IVF32,PQ8np");
        using var destination = template.Clone();
        destination.Add(Rows(100, seed: 5), Range(0, 100));

        using var trainedApart = retrained.Clone();
        Assert.False(destination.CanMerge(trainedApart));
        Assert.False(destination.CanMerge(wider));
        Assert.False(destination.CanMerge(flat));
        Assert.False(flat.CanMerge(destination));
        Assert.False(destination.CanMerge(untrained));

        using var source = retrained.Clone();
        source.Add(Rows(50, seed: 6), Range(0, 50));
        var error = Assert.Throws<FaissException>(() => destination.MergeFrom(source, 100));
        Assert.Contains("same coarse centroids", error.Message, StringComparison.Ordinal);
        Assert.Equal(100, destination.Count);
        Assert.Equal(50, source.Count);
        Assert.Throws<FaissException>(() => destination.MergeFrom(destination, 0));
    }
}

/// <summary>One coarse assignment, made on a template's quantizer, serving every index copied from it.</summary>
public class FaissCoarseAssignmentTests
{
    private const int Dimension = 32;

    private static float[] Rows(int rows, int seed) =>
        SyntheticClusters.Generate(rows, Dimension, clusters: 16, spread: 0.6, seed).Vectors.Data;

    [Theory]
    [InlineData("IVF32,PQ8np", 4)]
    [InlineData("IVF32,Flat", 32)]
    [InlineData("IVF32,SQ8", 100)]
    public void A_preassigned_search_answers_as_the_index_own_search(string description, int nprobe)
    {
        using var template = FaissIndex.Create(Dimension, description);
        template.Train(Rows(4_000, seed: 1));
        var queries = Rows(30, seed: 9);
        var assigned = template.AssignCoarse(queries, nprobe);
        // nprobe beyond nlist visits every list, as Search does.
        Assert.Equal(Math.Min(nprobe, 32), assigned.NProbe);
        Assert.Equal(template.CoarseFingerprint, assigned.Fingerprint);
        for (var copy = 0; copy < 3; copy++)
        {
            using var index = template.Clone();
            index.Add(Rows(2_000, seed: 2 + copy), [.. Enumerable.Range(0, 2_000).Select(i => (long)i)]);
            Assert.Equal(template.CoarseFingerprint, index.CoarseFingerprint);
            var own = index.Search(queries, k: 10, nprobe: nprobe);
            var shared = index.SearchPreassigned(queries, 10, assigned);
            // Same lists, so the same candidates; the centroid scores a residual codec adds may differ in the last
            // bit (FAISS assigns per thread slice, BLAS or not by slice size), so scores agree to float rounding.
            for (var q = 0; q < 30; q++)
            {
                for (var j = 0; j < 10; j++)
                {
                    Assert.Equal(own.ScoresOf(q)[j], shared.ScoresOf(q)[j], 5);
                    if (j + 1 >= 10 || Math.Abs(own.ScoresOf(q)[j] - own.ScoresOf(q)[j + 1]) > 1e-5)
                    {
                        Assert.Equal(own.IdsOf(q)[j], shared.IdsOf(q)[j]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Fingerprints_tell_other_centroids_apart_and_an_assignment_is_what_the_search_visits()
    {
        using var template = FaissIndex.Create(Dimension, "IVF32,Flat");
        template.Train(Rows(4_000, seed: 1));
        using var retrained = FaissIndex.Create(Dimension, "IVF32,Flat");
        retrained.Train(Rows(4_000, seed: 5));
        using var flat = FaissIndex.Create(Dimension, "Flat");
        using var untrained = FaissIndex.Create(Dimension, "IVF32,Flat");
        Assert.NotEqual(template.CoarseFingerprint, retrained.CoarseFingerprint);
        Assert.Equal(0UL, flat.CoarseFingerprint);
        Assert.Equal(0UL, untrained.CoarseFingerprint);
        using var wrapped = FaissIndex.Create(Dimension, "PCA16,IVF8,Flat");
        wrapped.Train(Rows(2_000, seed: 4));
        Assert.Equal(0UL, wrapped.CoarseFingerprint);
        Assert.NotEqual(0UL, template.CoarseFingerprint);

        using var index = template.Clone();
        index.Add(Rows(1_000, seed: 2), [.. Enumerable.Range(0, 1_000).Select(i => (long)i)]);
        var queries = Rows(5, seed: 9);
        var assigned = template.AssignCoarse(queries, 4);
        // Lists -1 are skipped: an assignment that names no list finds nothing, so the search does use it.
        var nowhere = assigned with { Lists = [.. assigned.Lists.Select(_ => -1L)] };
        Assert.All(index.SearchPreassigned(queries, 10, nowhere).Ids, id => Assert.Equal(-1, id));
        Assert.Throws<ArgumentException>(() => index.SearchPreassigned(Rows(4, seed: 3), 10, assigned));
        Assert.Throws<FaissException>(() => flat.AssignCoarse(queries, 4));
    }
}
