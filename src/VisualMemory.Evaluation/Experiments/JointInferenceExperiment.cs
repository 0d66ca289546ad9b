using System.Diagnostics;
using VisualMemory.Core.Linear;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>
/// Trains the memory's linear head (softmax regression on the stored vectors, bounded epochs), then
/// mixes P = λ·P_kNN + (1 − λ)·P_linear. λ is tuned on a seeded random half of the test queries
/// and every accuracy is reported on the other half, so the tuned mix is not scored on the data
/// that chose it.
/// </summary>
public static class JointInferenceExperiment
{
    /// <summary>Runs the experiment on the baseline memory and retrieval.</summary>
    public static JointInferenceResult Run(Baseline baseline, int k, int epochs, int seed)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var memory = baseline.Memory;
        var dataset = baseline.Dataset;
        var clock = Stopwatch.StartNew();
        var fit = memory.TrainLinearHead(new LogisticRegressionOptions(Epochs: epochs, Seed: seed));
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var classes = fit.Head.Classes;
        var linear = fit.Head.ProbabilitiesOfRows(memory.Preprocess(dataset.TestVectors));
        var knn = new double[dataset.TestCount][];
        var lin = new float[dataset.TestCount][];
        for (var q = 0; q < dataset.TestCount; q++)
        {
            var list = baseline.Neighbors[q];
            knn[q] = JointInference.KnnProbabilities(list.AsSpan(0, Math.Min(k, list.Length)), classes);
            lin[q] = linear.AsSpan(q * classes, classes).ToArray();
        }
        var order = Enumerable.Range(0, dataset.TestCount).ToArray();
        new Random(seed).Shuffle(order);
        var validation = order[..(order.Length / 2)];
        var evaluation = order[(order.Length / 2)..];
        var tuning = JointInference.TuneLambda(
            [.. validation.Select(q => knn[q])], [.. validation.Select(q => lin[q])], [.. validation.Select(q => baseline.Truth[q])]);
        return new JointInferenceResult(
            epochs, trainSeconds, fit.EpochLosses, k, JointInference.DefaultTau, validation.Length, evaluation.Length,
            tuning.Lambda, Accuracy(0), Accuracy(1), Accuracy(tuning.Lambda), tuning.Curve);

        double Accuracy(double lambda) =>
            evaluation.Count(q => JointInference.Combine(knn[q], lin[q], lambda).Label == baseline.Truth[q]) / (double)evaluation.Length;
    }
}
