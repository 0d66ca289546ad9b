using VisualMemory.Core.Hierarchy;

namespace VisualMemory.Core.Tests;

public class WithinNodeDistancesTests
{
    [Fact]
    public void All_pairs_when_few_and_rows_are_normalised()
    {
        // Rows (1,0), (0,2), (1,1): cosines 0, 1/√2, 1/√2 whatever the rows' lengths.
        var distances = WithinNodeDistances.PairwiseDistances([1, 0, 0, 2, 1, 1], 2, maxPairs: 10, seed: 0);
        Assert.Equal(3, distances.Length);
        Assert.Equal(1.0, distances[0], 12);
        Assert.Equal(1 - Math.Sqrt(0.5), distances[1], 7);
        Assert.Equal(1 - Math.Sqrt(0.5), distances[2], 7);
    }

    [Fact]
    public void Sampling_is_seeded_and_draws_distinct_pairs()
    {
        var rows = RandomRows(20, 8, seed: 1);
        var all = WithinNodeDistances.PairwiseDistances(rows, 8, maxPairs: 1000, seed: 0);
        Assert.Equal(190, all.Length);
        var sample = WithinNodeDistances.PairwiseDistances(rows, 8, maxPairs: 50, seed: 7);
        Assert.Equal(50, sample.Length);
        Assert.Equal(sample, WithinNodeDistances.PairwiseDistances(rows, 8, maxPairs: 50, seed: 7));
        Assert.NotEqual(sample, WithinNodeDistances.PairwiseDistances(rows, 8, maxPairs: 50, seed: 8));
        // Random rows give distinct distances, so a sample of distinct pairs in pair order is a
        // subsequence of the full list.
        Assert.Equal(190, all.Distinct().Count());
        Assert.True(IsSubsequence(sample, all));
        var almostAll = WithinNodeDistances.PairwiseDistances(rows, 8, maxPairs: 189, seed: 3);
        Assert.True(IsSubsequence(almostAll, all));
        Assert.Equal(189, almostAll.Distinct().Count());
    }

    [Fact]
    public void Sampling_covers_pairs_roughly_uniformly()
    {
        // 10 rows → 45 pairs; over 400 seeds each pair is drawn 400·20/45 ≈ 178 times.
        var rows = RandomRows(10, 4, seed: 2);
        var all = WithinNodeDistances.PairwiseDistances(rows, 4, maxPairs: 100, seed: 0);
        var counts = all.ToDictionary(d => d, _ => 0);
        for (var seed = 0; seed < 400; seed++)
        {
            foreach (var d in WithinNodeDistances.PairwiseDistances(rows, 4, maxPairs: 20, seed: seed))
            {
                counts[d]++;
            }
        }
        Assert.All(counts.Values, c => Assert.InRange(c, 120, 240));
    }

    [Fact]
    public void Degenerate_inputs_give_empty_samples()
    {
        Assert.Empty(WithinNodeDistances.PairwiseDistances([1, 2], 2, 10, 0));
        Assert.Empty(WithinNodeDistances.PairwiseDistances([], 2, 10, 0));
        Assert.Empty(WithinNodeDistances.PairwiseDistances([1, 0, 0, 1], 2, 0, 0));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WithinNodeDistances.PairwiseDistances([1, 0], 0, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WithinNodeDistances.PairwiseDistances([1, 0], 2, -1, 0));
        Assert.Throws<ArgumentException>(() => WithinNodeDistances.PairwiseDistances([1, 0, 1], 2, 10, 0));
        var zero = Assert.Throws<ArgumentException>(() => WithinNodeDistances.PairwiseDistances([1, 0, 0, 0], 2, 10, 0));
        Assert.Contains("row 1", zero.Message);
        Assert.Throws<ArgumentException>(() => WithinNodeDistances.PairwiseDistances([1, float.NaN, 0, 1], 2, 10, 0));
    }

    private static float[] RandomRows(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count * dimension).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private static bool IsSubsequence(double[] part, double[] whole)
    {
        var at = 0;
        foreach (var value in part)
        {
            while (at < whole.Length && whole[at] != value)
            {
                at++;
            }
            if (at == whole.Length)
            {
                return false;
            }
            at++;
        }
        return true;
    }
}
