using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

// Expected values computed by hand (and checked in Python) from research.md §1's formulas for the
// neighbours A@0.9, B@0.8, B@0.7, nearest first; labels A = 0, B = 1.
public class AggregationTests
{
    private static readonly Neighbor[] Three = [new(10, 0, 0.9f), new(11, 1, 0.8f), new(12, 1, 0.7f)];
    // Similarities are float32 (0.9f is not 0.9), so compare within a tolerance, not by rounding.
    private const double Tolerance = 1e-6;

    [Fact]
    public void Plurality_counts_one_vote_per_neighbour()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Plurality));
        Assert.Equal([1.0, 1.0, 1.0], result.Weights);
        Assert.Equal(1, result.Label);
        Assert.Equal(2.0 / 3.0, result.Confidence, Tolerance);
    }

    [Fact]
    public void Distance_voting_weighs_exp_of_minus_cosine_distance()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Distance));
        Assert.Equal(0.904837, result.Weights[0], Tolerance);
        Assert.Equal(0.818731, result.Weights[1], Tolerance);
        Assert.Equal(0.740818, result.Weights[2], Tolerance);
        Assert.Equal(1, result.Label);
        Assert.Equal(0.632835, result.Confidence, Tolerance);
    }

    [Fact]
    public void Softmax_voting_uses_similarity_over_tau_and_favours_the_closest()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Softmax));
        Assert.Equal(0.770960, result.Weights[0], Tolerance);
        Assert.Equal(0.184761, result.Weights[1], Tolerance);
        Assert.Equal(0.044278, result.Weights[2], Tolerance);
        Assert.Equal(1.0, result.Weights.Sum(), 10);
        Assert.Equal(0, result.Label);
        Assert.Equal(0.770960, result.Confidence, Tolerance);
    }

    [Fact]
    public void Softmax_temperature_is_a_parameter()
    {
        var hot = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Softmax, Tau: 1000));
        Assert.All(hot.Weights, w => Assert.Equal(1.0 / 3.0, w, 3));
    }

    [Fact]
    public void Rank_voting_uses_one_over_alpha_plus_zero_based_rank()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Rank));
        Assert.Equal([1.0 / 2, 1.0 / 3, 1.0 / 4], result.Weights);
        Assert.Equal(1, result.Label);
        Assert.Equal(0.538462, result.Confidence, Tolerance);
    }

    [Fact]
    public void Rank_alpha_is_a_parameter()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Rank, Alpha: 1));
        Assert.Equal([1.0, 1.0 / 2, 1.0 / 3], result.Weights);
        Assert.Equal(0, result.Label);
    }

    [Fact]
    public void Scores_sum_weights_per_label_best_first()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Rank));
        Assert.Equal([new LabelScore(1, 1.0 / 3 + 1.0 / 4), new LabelScore(0, 0.5)], result.Scores);
    }

    [Fact]
    public void A_tie_goes_to_the_label_of_the_nearer_neighbour()
    {
        Neighbor[] tied = [new(1, 7, 0.5f), new(2, 3, 0.9f)];
        var result = KnnClassifier.Classify(tied, new AggregationOptions(AggregationKind.Plurality));
        Assert.Equal(7, result.Label);
        Assert.Equal(0.5, result.Confidence);
    }

    [Fact]
    public void No_neighbours_means_no_label()
    {
        var result = KnnClassifier.Classify([], new AggregationOptions(AggregationKind.Softmax));
        Assert.Null(result.Label);
        Assert.Empty(result.Scores);
    }

    [Fact]
    public void Softmax_stays_finite_for_tiny_temperatures()
    {
        var result = KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Softmax, Tau: 1e-4));
        Assert.All(result.Weights, w => Assert.True(double.IsFinite(w)));
        Assert.Equal(1.0, result.Weights[0], 10);
    }

    [Theory]
    [InlineData(0.0, 2.0)]
    [InlineData(-1.0, 2.0)]
    [InlineData(0.07, 0.0)]
    [InlineData(double.NaN, 2.0)]
    public void Unusable_parameters_are_refused(double tau, double alpha)
    {
        var options = new AggregationOptions(AggregationKind.Softmax, tau, alpha);
        Assert.NotNull(options.Problem());
        Assert.Throws<ArgumentException>(() => NeighborWeights.Compute(Three, options));
    }

    [Theory]
    [InlineData("rank", AggregationKind.Rank)]
    [InlineData("Softmax", AggregationKind.Softmax)]
    [InlineData("PLURALITY", AggregationKind.Plurality)]
    [InlineData("distance", AggregationKind.Distance)]
    public void Wire_names_parse(string name, AggregationKind expected)
    {
        Assert.True(AggregationOptions.TryParseKind(name, out var kind));
        Assert.Equal(expected, kind);
        Assert.Equal(name.ToLowerInvariant(), AggregationOptions.NameOf(kind));
    }

    [Fact]
    public void Unknown_names_do_not_parse() => Assert.False(AggregationOptions.TryParseKind("median", out _));

    [Fact]
    public void Soft_pruning_reliability_scales_each_finished_weight()
    {
        // Rank weights 1/2, 1/3, 1/4; B's two samples are unreliable (γ = 0.875 for v = 1, 0.16 for v = 10).
        Neighbor[] pruned = [new(10, 0, 0.9f), new(11, 1, 0.8f, 0.875f), new(12, 1, 0.7f, 0.159090909f)];
        var result = KnnClassifier.Classify(pruned, new AggregationOptions(AggregationKind.Rank));
        Assert.Equal(0.5, result.Weights[0], Tolerance);
        Assert.Equal(0.875 / 3, result.Weights[1], Tolerance);
        Assert.Equal(0.159090909 / 4, result.Weights[2], Tolerance);
        // Unpruned, B wins 7/12 to 1/2; pruned, A wins.
        Assert.Equal(0, result.Label);
        Assert.Equal(1, KnnClassifier.Classify(Three, new AggregationOptions(AggregationKind.Rank)).Label);
    }
}
