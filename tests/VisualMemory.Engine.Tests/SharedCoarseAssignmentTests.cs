using VisualMemory.Core.Search;
using VisualMemory.Faiss;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests;

/// <summary>
/// A memory assigns each query's coarse IVF lists once, on its quantizer, for all its sealed segments
/// (<see cref="MemorySettings.ShareCoarseAssignment"/>): the answers are those of per-segment assignment.
/// </summary>
public class SharedCoarseAssignmentTests
{
    private const int Dimension = 16;

    [Fact]
    public async Task Many_segments_and_exact_ones_answer_as_with_an_assignment_per_segment()
    {
        var settings = new MemorySettings { SealThreshold = 300, MergeSegments = 0, TrainingSampleSize = 2_000 };
        using var directory = new Durability.DurableDirectory();
        using var memory = await LocalMemory.CreateAsync(new MemoryDefinition("m", Dimension, "IVF16,PQ4np", Shards: 2, NProbe: 6), settings, directory.Storage());
        var (ids, labels, vectors) = Items(4_000, Dimension, seed: 31);
        // Rows arrive in batches that seal one segment per shard each; the last batch stays in the exact growing segments.
        for (var start = 0; start < 4_000; start += 500)
        {
            await memory.UpsertAsync(ids[start..(start + 500)], labels[start..(start + 500)], vectors.AsMemory(start * Dimension, 500 * Dimension));
            if (start < 3_500)
            {
                await memory.CheckpointAsync();
            }
        }
        Assert.All(memory.ShardStats(), s => Assert.True(s.SealedSegments >= 5, $"{s.SealedSegments} sealed segments"));
        var queries = vectors.AsSpan(0, 60 * Dimension).ToArray();
        foreach (var nprobe in new[] { 1, 6, 16, 40 })
        {
            settings.ShareCoarseAssignment = true;
            var shared = memory.Search(queries, 10, nprobe);
            settings.ShareCoarseAssignment = false;
            var separate = memory.Search(queries, 10, nprobe);
            AssertSame(separate, shared);
        }
        settings.ShareCoarseAssignment = true;
    }

    [Fact]
    public void A_shard_s_sealed_segments_search_the_lists_they_are_given()
    {
        var (ids, labels, vectors) = Items(1_200, Dimension, seed: 32);
        using var template = FaissIndex.Create(Dimension, "IVF8,Flat");
        template.Train(vectors);
        using var shard = new Shard(0, Dimension);
        int[] labelIds = [.. labels.Select(l => l.GetHashCode(StringComparison.Ordinal) & 3)];
        for (var start = 0; start < 1_200; start += 400)
        {
            _ = shard.Upsert(ids.AsSpan(start, 400), labelIds.AsSpan(start, 400), new int[400], vectors.AsSpan(start * Dimension, 400 * Dimension));
            shard.Seal(template);
        }
        var queries = vectors.AsSpan(0, 20 * Dimension).ToArray();
        var assigned = template.AssignCoarse(queries, 3);
        AssertSame(shard.Search(queries, 5, 3), shard.Search(queries, 5, 3, assigned: assigned));
        // An assignment naming no list finds nothing: the segments used it rather than assigning again.
        Assert.All(shard.Search(queries, 5, 3, assigned: assigned with { Lists = [.. assigned.Lists.Select(_ => -1L)] }), Assert.Empty);
        // One made on other centroids is not theirs, and is ignored.
        using var other = FaissIndex.Create(Dimension, "IVF8,Flat");
        other.Train(vectors.AsSpan(0, 600 * Dimension));
        var foreign = other.AssignCoarse(queries, 3) with { Lists = [.. assigned.Lists.Select(_ => -1L)] };
        AssertSame(shard.Search(queries, 5, 3), shard.Search(queries, 5, 3, assigned: foreign));
    }

    // The same neighbours with the same similarities to float rounding: a residual codec adds the query's score
    // against its list's centroid, which FAISS may compute by BLAS or not depending on how it slices the batch.
    private static void AssertSame(Neighbor[][] expected, Neighbor[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var q = 0; q < expected.Length; q++)
        {
            Assert.Equal(expected[q].Length, actual[q].Length);
            for (var j = 0; j < expected[q].Length; j++)
            {
                Assert.Equal(expected[q][j].Similarity, actual[q][j].Similarity, 5);
                var tied = (j > 0 && Math.Abs(expected[q][j].Similarity - expected[q][j - 1].Similarity) < 1e-5)
                    || (j + 1 < expected[q].Length && Math.Abs(expected[q][j].Similarity - expected[q][j + 1].Similarity) < 1e-5);
                if (!tied)
                {
                    Assert.Equal(expected[q][j].Id, actual[q][j].Id);
                }
            }
        }
    }
}
