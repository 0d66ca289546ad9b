using VisualMemory.Core.Linear;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

// kNN expectations computed in Python from research.md §3's formula with the float32 similarities:
// exp(−d/τ) per neighbour, summed per class, divided by the total.
public class JointInferenceTests
{
    private static readonly Neighbor[] Three = [new(10, 0, 0.9f), new(11, 1, 0.8f), new(12, 0, 0.7f)];

    [Fact]
    public void Knn_distribution_follows_exp_of_minus_distance_over_tau()
    {
        var p = JointInference.KnnProbabilities(Three, 3);
        Assert.Equal(0.8152384902892209, p[0], 1e-9);
        Assert.Equal(0.18476150971077906, p[1], 1e-9);
        Assert.Equal(0.0, p[2]);
        var warm = JointInference.KnnProbabilities(Three, 2, tau: 1.0);
        Assert.Equal(0.6677749997231667, warm[0], 1e-9);
    }

    [Fact]
    public void Reliability_discounts_a_neighbour()
    {
        Neighbor[] pruned = [Three[0], Three[1] with { Reliability = 0.5f }, Three[2]];
        var p = JointInference.KnnProbabilities(pruned, 2);
        Assert.Equal(0.8982163992780139, p[0], 1e-9);
        Assert.Equal(0.1017836007219862, p[1], 1e-9);
    }

    [Fact]
    public void A_tiny_tau_does_not_underflow_to_nothing()
    {
        // exp(−0.1/1e-4) alone would be exp(−1000) = 0 for every neighbour; shifted, the nearest keeps weight 1.
        var p = JointInference.KnnProbabilities(Three, 2, tau: 1e-4);
        Assert.Equal([1.0, 0.0], p);
    }

    [Fact]
    public void No_neighbours_mean_no_knn_evidence_and_the_linear_head_decides()
    {
        Assert.Equal([0.0, 0.0], JointInference.KnnProbabilities([], 2));
        var joint = JointInference.Predict([], [0.3f, 0.7f], lambda: 0.9);
        Assert.Equal(1, joint.Label);
        Assert.Equal(0.7, joint.Confidence, 6);
    }

    [Fact]
    public void Lambda_mixes_the_two_distributions()
    {
        double[] knn = [0.8, 0.2, 0.0];
        float[] linear = [0.1f, 0.3f, 0.6f];
        var half = JointInference.Combine(knn, linear, 0.5);
        Assert.Equal([0.45, 0.25, 0.3], half.Probabilities.Select(p => Math.Round(p, 6)));
        Assert.Equal(0, half.Label);
        Assert.Equal(0.45, half.Confidence, 6);
        // 0.2·knn + 0.8·linear = (0.24, 0.28, 0.48).
        Assert.Equal(2, JointInference.Combine(knn, linear, 0.2).Label);
        Assert.Equal(0, JointInference.Combine(knn, linear, 1).Label);
        Assert.Equal(2, JointInference.Combine(knn, linear, 0).Label);
        var predicted = JointInference.Predict(Three, linear, 0.5);
        Assert.Equal((0.8152384902892209 + 0.1) / 2, predicted.Probabilities[0], 6);
    }

    [Fact]
    public void Equal_probabilities_go_to_the_lowest_class()
    {
        Assert.Equal(1, JointInference.Combine([0, 0.5, 0.5], [0f, 0.5f, 0.5f], 0.5).Label);
    }

    [Fact]
    public void Tuning_picks_the_most_accurate_lambda_and_the_largest_among_ties()
    {
        // q0 (class 0) is right once λ > 1/6; q1 (class 1) while λ < 3/7; q2 (class 0) always
        // (at λ = 1 its tie goes to class 0). So λ in {0.2, …, 0.4} gets all three right.
        double[][] knn = [[1, 0], [0.9, 0.1], [0.5, 0.5]];
        float[][] linear = [[0.4f, 0.6f], [0.2f, 0.8f], [0.7f, 0.3f]];
        var tuning = JointInference.TuneLambda(knn, linear, [0, 1, 0]);
        Assert.Equal(0.4, tuning.Lambda);
        Assert.Equal(1.0, tuning.Accuracy);
        Assert.Equal(21, tuning.Curve.Count);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => i / 20.0), tuning.Curve.Select(c => c.Lambda));
        Assert.Equal(
            Enumerable.Range(0, 21).Select(i => i is >= 4 and <= 8 ? 1.0 : 2.0 / 3),
            tuning.Curve.Select(c => c.Accuracy));
        var coarse = JointInference.TuneLambda(knn, linear, [0, 1, 0], gridSteps: 2);
        Assert.Equal([0.0, 0.5, 1.0], coarse.Curve.Select(c => c.Lambda));
        Assert.Equal(1.0, coarse.Lambda);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => JointInference.Combine([1, 0], [1f, 0f], 1.5));
        Assert.Throws<ArgumentException>(() => JointInference.Combine([1, 0], [1f, 0f], double.NaN));
        Assert.Throws<ArgumentException>(() => JointInference.Combine([1, 0], [1f], 0.5));
        Assert.Throws<ArgumentException>(() => JointInference.Combine([], [], 0.5));
        Assert.Throws<ArgumentException>(() => JointInference.Combine([1, double.NaN], [1f, 0f], 0.5));
        Assert.Throws<ArgumentException>(() => JointInference.KnnProbabilities(Three, 1));
        Assert.Throws<ArgumentException>(() => JointInference.KnnProbabilities(Three, 2, tau: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => JointInference.KnnProbabilities(Three, 0));
        Assert.Throws<ArgumentException>(() => JointInference.TuneLambda([], [], []));
        Assert.Throws<ArgumentException>(() => JointInference.TuneLambda([[1.0, 0]], [[1f, 0f]], [2]));
        Assert.Throws<ArgumentException>(() => JointInference.TuneLambda([[1.0, 0]], [[1f, 0f], [1f, 0f]], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => JointInference.TuneLambda([[1.0, 0]], [[1f, 0f]], [0], gridSteps: 0));
    }
}
