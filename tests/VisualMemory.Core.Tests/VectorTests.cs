using VisualMemory.Core.Labels;
using VisualMemory.Core.Routing;
using VisualMemory.Core.Vectors;

namespace VisualMemory.Core.Tests;

public class VectorTests
{
    [Fact]
    public void Normalising_gives_unit_length_and_returns_the_old_norm()
    {
        float[] v = [3, 4];
        Assert.Equal(5.0, VectorMath.NormalizeL2(v), 6);
        Assert.Equal([0.6f, 0.8f], v);
    }

    [Fact]
    public void The_zero_vector_is_left_alone() => Assert.Equal(0.0, VectorMath.NormalizeL2(new float[3]));

    [Theory]
    [InlineData(new[] { 1f, 2f }, 3, "expected 3 components, got 2")]
    [InlineData(new[] { 1f, float.NaN, 0f }, 3, "component 1 is NaN")]
    [InlineData(new[] { float.PositiveInfinity, 0f, 0f }, 3, "component 0 is")]
    [InlineData(new[] { 0f, 0f, 0f }, 3, "zero vector")]
    public void Bad_vectors_are_described(float[] vector, int dimension, string expected)
    {
        Assert.Contains(expected, VectorCheck.Problem(vector, dimension));
    }

    [Fact]
    public void Good_vectors_pass() => Assert.Null(VectorCheck.Problem([0f, -2f, 1e-3f], 3));

    [Fact]
    public void Routing_is_stable_and_spreads_sequential_ids_evenly()
    {
        Assert.Equal(ShardRouter.ShardOf(123456789, 4), ShardRouter.ShardOf(123456789, 4));
        var counts = new int[4];
        for (long id = 0; id < 40_000; id++)
        {
            counts[ShardRouter.ShardOf(id, 4)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.InRange(ShardRouter.ShardOf(-5, 3), 0, 2);
    }

    [Fact]
    public void Vocabulary_assigns_stable_indexes_in_first_use_order()
    {
        var vocabulary = new LabelVocabulary();
        Assert.Equal(0, vocabulary.GetOrAdd("cat"));
        Assert.Equal(1, vocabulary.GetOrAdd("dog"));
        Assert.Equal(0, vocabulary.GetOrAdd("cat"));
        Assert.Equal("dog", vocabulary[1]);
        Assert.Equal(["cat", "dog"], vocabulary.ToList());
        Assert.False(vocabulary.TryGetIndex("bird", out _));
    }
}
