using VisualMemory.Core.Linear;

namespace VisualMemory.Core.Tests;

public class LogisticRegressionTests
{
    // Gaussian clusters around random centres: classes × rows per class, row-major.
    internal static (float[] X, int[] Y) Clusters(int perClass, int dimension, int classes, double spread, int seed, float offset = 0)
    {
        var random = new Random(seed);
        var centres = new double[classes * dimension];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = random.NextDouble() * 2 - 1;
        }
        var x = new float[perClass * classes * dimension];
        var y = new int[perClass * classes];
        for (var r = 0; r < y.Length; r++)
        {
            y[r] = r % classes;
            for (var k = 0; k < dimension; k++)
            {
                var gauss = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                x[r * dimension + k] = (float)(offset + centres[y[r] * dimension + k] + spread * gauss);
            }
        }
        return (x, y);
    }

    [Fact]
    public void Learns_overlapping_clusters_and_generalises()
    {
        // Odd sizes exercise every kernel remainder path: 37 columns, 7 classes, a last batch of 19 rows.
        var (x, y) = Clusters(perClass: 60, dimension: 37, classes: 7, spread: 0.8, seed: 1, offset: 5);
        var (tx, ty) = Clusters(perClass: 30, dimension: 37, classes: 7, spread: 0.8, seed: 1, offset: 5);
        var fit = LogisticRegression.Train(x, y, 37, 7, new LogisticRegressionOptions(Epochs: 30, LearningRate: 0.01, BatchSize: 32));
        Assert.True(fit.EpochLosses[^1] < fit.EpochLosses[0] / 4, string.Join(", ", fit.EpochLosses));
        var predicted = fit.Head.PredictRows(tx);
        var accuracy = predicted.Zip(ty).Count(p => p.First == p.Second) / (double)ty.Length;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        Assert.True(fit.Head.IsCentered);
        Assert.Equal(37, fit.Head.Mean.Length);
    }

    [Fact]
    public void The_first_epoch_loss_of_one_full_batch_is_log_classes()
    {
        var (x, y) = Clusters(perClass: 5, dimension: 6, classes: 4, spread: 0.5, seed: 2);
        var fit = LogisticRegression.Train(x, y, 6, 4, new LogisticRegressionOptions(Epochs: 1, BatchSize: 1000));
        Assert.Equal(Math.Log(4), fit.EpochLosses[0], 6);
    }

    [Fact]
    public void The_first_Adam_step_moves_every_weight_by_the_learning_rate_against_its_gradient()
    {
        // From W = 0, Adam's first step is −lr·g/(|g| + ε'), i.e. −lr·sign(g): the sign of every
        // component checks the gradient (1/n) Σ_r (1/C − [y_r = c])·(x_r − μ), computed here naively.
        const int n = 20, d = 9, classes = 3;
        var (x, y) = Clusters(perClass: n / 2, dimension: d, classes: 2, spread: 1.0, seed: 3, offset: 2);
        for (var r = 0; r < n; r++)
        {
            y[r] = (r * 7) % classes;
        }
        const double lr = 0.05;
        var head = LogisticRegression.Train(x, y, d, classes, new LogisticRegressionOptions(Epochs: 1, LearningRate: lr, BatchSize: n, WeightDecay: 0.3)).Head;
        var mean = new double[d];
        for (var r = 0; r < n; r++)
        {
            for (var k = 0; k < d; k++)
            {
                mean[k] += x[r * d + k] / (double)n;
            }
        }
        for (var c = 0; c < classes; c++)
        {
            double biasGradient = 0;
            for (var k = 0; k < d; k++)
            {
                double g = 0;
                for (var r = 0; r < n; r++)
                {
                    g += (1.0 / classes - (y[r] == c ? 1 : 0)) * (x[r * d + k] - mean[k]) / n;
                }
                Assert.Equal(-lr * Math.Sign(g), head.Weights[c * d + k], 5);
            }
            for (var r = 0; r < n; r++)
            {
                biasGradient += (1.0 / classes - (y[r] == c ? 1 : 0)) / n;
            }
            Assert.Equal(-lr * Math.Sign(biasGradient), head.Bias[c], 5);
        }
    }

    [Fact]
    public void Weight_decay_shrinks_the_weights()
    {
        var (x, y) = Clusters(perClass: 20, dimension: 8, classes: 3, spread: 0.3, seed: 4);
        var free = LogisticRegression.Train(x, y, 8, 3, new LogisticRegressionOptions(Epochs: 40, LearningRate: 0.05, WeightDecay: 0, BatchSize: 16)).Head;
        var decayed = LogisticRegression.Train(x, y, 8, 3, new LogisticRegressionOptions(Epochs: 40, LearningRate: 0.05, WeightDecay: 1, BatchSize: 16)).Head;
        Assert.True(Norm(decayed.Weights) < Norm(free.Weights) / 2, $"{Norm(decayed.Weights)} vs {Norm(free.Weights)}");
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed_whatever_the_thread_count()
    {
        // 70 columns span two column tasks; 300 rows at batch 100 span several row tasks per batch.
        var (x, y) = Clusters(perClass: 60, dimension: 70, classes: 5, spread: 1.0, seed: 5);
        LogisticRegressionOptions Options(int threads, int seed) => new(Epochs: 2, BatchSize: 100, Seed: seed, Parallelism: threads);
        var one = LogisticRegression.Train(x, y, 70, 5, Options(1, 9));
        var two = LogisticRegression.Train(x, y, 70, 5, Options(2, 9));
        var many = LogisticRegression.Train(x, y, 70, 5, Options(7, 9));
        Assert.Equal(one.Head.Serialize(), two.Head.Serialize());
        Assert.Equal(one.Head.Serialize(), many.Head.Serialize());
        Assert.Equal(one.EpochLosses, many.EpochLosses);
        var otherSeed = LogisticRegression.Train(x, y, 70, 5, Options(2, 10));
        Assert.NotEqual(one.Head.Serialize(), otherSeed.Head.Serialize());
    }

    [Fact]
    public void Without_centering_there_is_no_mean()
    {
        var (x, y) = Clusters(perClass: 10, dimension: 4, classes: 2, spread: 0.2, seed: 6);
        var head = LogisticRegression.Train(x, y, 4, 2, new LogisticRegressionOptions(Epochs: 20, LearningRate: 0.05, CenterFeatures: false)).Head;
        Assert.False(head.IsCentered);
        Assert.True(head.Mean.IsEmpty);
        Assert.Equal(y, head.PredictRows(x));
    }

    [Fact]
    public void Bad_training_input_is_rejected()
    {
        float[] x = [1, 2, 3, 4];
        int[] y = [0, 1];
        Assert.Throws<ArgumentException>(() => LogisticRegression.Train(x, [0, 1, 1], 2, 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Train(x, [0, 2], 2, 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Train(x, [0, -1], 2, 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Train([], [], 2, 2));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Train([1, float.NaN, 3, 4], y, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogisticRegression.Train(x, y, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogisticRegression.Train(x, y, 2, 0));
        Assert.Contains("batch size", Assert.Throws<ArgumentException>(() => LogisticRegression.Train(x, y, 2, 2, new LogisticRegressionOptions(BatchSize: 0))).Message);
        Assert.Contains("learning rate", new LogisticRegressionOptions(LearningRate: double.NaN).Problem());
        Assert.Contains("epochs", new LogisticRegressionOptions(Epochs: 0).Problem());
        Assert.Contains("weight decay", new LogisticRegressionOptions(WeightDecay: -1).Problem());
        Assert.Contains("parallelism", new LogisticRegressionOptions(Parallelism: -1).Problem());
        Assert.Null(new LogisticRegressionOptions().Problem());
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => LogisticRegression.Train([1, 2], [0], 2, 2, cancellationToken: cancelled.Token));
    }

    private static double Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += (double)v * v;
        }
        return Math.Sqrt(sum);
    }
}
