using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Linear;

/// <summary>
/// research.md §3's JOINT-INF: mix the kNN class distribution with a linear classifier's,
/// P = λ·P_kNN + (1 − λ)·P_linear, with λ tuned on validation data.
/// </summary>
public static class JointInference
{
    /// <summary>Default temperature of the kNN distribution, the DINO kNN protocol's 0.07.</summary>
    public const double DefaultTau = AggregationOptions.DefaultTau;

    /// <summary>Steps of the default λ grid: 0, 0.05, …, 1.</summary>
    public const int DefaultGridSteps = 20;

    /// <summary>
    /// P_kNN(c | q) = Σ_{x∈N_c} γ_x·exp(−d(q,x)/τ) / Σ_{x∈N} γ_x·exp(−d(q,x)/τ) over the
    /// <paramref name="neighbors"/>, with d the cosine distance (1 − similarity). The reliability γ
    /// multiplies each term so that soft pruning discounts a neighbour here exactly as it does in
    /// voting; without pruning every γ is 1 and this is the paper's formula. The smallest distance is
    /// subtracted before exponentiating, which leaves the ratios unchanged but keeps exp from
    /// underflowing at small τ. With no neighbours (or only zero weights) there is no kNN evidence and
    /// every entry is 0.
    /// </summary>
    /// <exception cref="ArgumentException">A label is outside [0, <paramref name="classes"/>) or τ is not a positive finite number.</exception>
    public static double[] KnnProbabilities(ReadOnlySpan<Neighbor> neighbors, int classes, double tau = DefaultTau)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (!(tau > 0) || !double.IsFinite(tau))
        {
            throw new ArgumentException("tau must be a positive finite number", nameof(tau));
        }
        var probabilities = new double[classes];
        var nearest = double.PositiveInfinity;
        foreach (var n in neighbors)
        {
            if ((uint)n.Label >= (uint)classes)
            {
                throw new ArgumentException($"neighbour {n.Id} has label {n.Label}, outside [0, {classes})", nameof(neighbors));
            }
            nearest = Math.Min(nearest, n.Distance);
        }
        double total = 0;
        foreach (var n in neighbors)
        {
            var term = n.Reliability * Math.Exp(-(n.Distance - nearest) / tau);
            probabilities[n.Label] += term;
            total += term;
        }
        if (total > 0)
        {
            for (var c = 0; c < classes; c++)
            {
                probabilities[c] /= total;
            }
        }
        return probabilities;
    }

    /// <summary>
    /// P = λ·<paramref name="knnProbabilities"/> + (1 − λ)·<paramref name="linearProbabilities"/>.
    /// A kNN vector that sums to 0 (no neighbours) carries no evidence, so the linear distribution is
    /// used alone. The label is the argmax; equal probabilities go to the lowest class index.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors differ in length or are empty, a value is not finite, or λ is outside [0, 1].</exception>
    public static JointPrediction Combine(ReadOnlySpan<double> knnProbabilities, ReadOnlySpan<float> linearProbabilities, double lambda)
    {
        CheckLambda(lambda);
        CheckPair(knnProbabilities, linearProbabilities, 0);
        var combined = new double[knnProbabilities.Length];
        var label = Mix(knnProbabilities, linearProbabilities, lambda, combined);
        return new JointPrediction(label, combined[label], combined);
    }

    /// <summary>
    /// <see cref="KnnProbabilities"/> of <paramref name="neighbors"/> over as many classes as
    /// <paramref name="linearProbabilities"/> has, then <see cref="Combine"/>.
    /// </summary>
    public static JointPrediction Predict(ReadOnlySpan<Neighbor> neighbors, ReadOnlySpan<float> linearProbabilities, double lambda, double tau = DefaultTau)
    {
        CheckLambda(lambda);
        return Combine(KnnProbabilities(neighbors, linearProbabilities.Length, tau), linearProbabilities, lambda);
    }

    /// <summary>
    /// Picks λ from the grid 0, 1/<paramref name="gridSteps"/>, …, 1 (0, 0.05, …, 1 by default) by
    /// accuracy on validation queries: <paramref name="knnProbabilities"/>[q] and
    /// <paramref name="linearProbabilities"/>[q] are query q's two distributions and
    /// <paramref name="labels"/>[q] its true class. Equal accuracies go to the larger λ, which
    /// leans on the memory (that can grow and be edited without retraining).
    /// </summary>
    /// <exception cref="ArgumentException">Counts or vector lengths disagree, there are no queries, a label is out of range, or a value is not finite.</exception>
    public static LambdaTuning TuneLambda(
        IReadOnlyList<double[]> knnProbabilities, IReadOnlyList<float[]> linearProbabilities, IReadOnlyList<int> labels, int gridSteps = DefaultGridSteps)
    {
        ArgumentNullException.ThrowIfNull(knnProbabilities);
        ArgumentNullException.ThrowIfNull(linearProbabilities);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridSteps);
        var queries = labels.Count;
        if (queries == 0 || knnProbabilities.Count != queries || linearProbabilities.Count != queries)
        {
            throw new ArgumentException(
                $"need one kNN and one linear distribution per label and at least one query; got {knnProbabilities.Count}, {linearProbabilities.Count} and {queries}");
        }
        for (var q = 0; q < queries; q++)
        {
            ArgumentNullException.ThrowIfNull(knnProbabilities[q], nameof(knnProbabilities));
            ArgumentNullException.ThrowIfNull(linearProbabilities[q], nameof(linearProbabilities));
            CheckPair(knnProbabilities[q], linearProbabilities[q], q);
            if ((uint)labels[q] >= (uint)knnProbabilities[q].Length)
            {
                throw new ArgumentException($"label {labels[q]} of query {q} is outside [0, {knnProbabilities[q].Length})", nameof(labels));
            }
        }
        var curve = new LambdaAccuracy[gridSteps + 1];
        var best = 0;
        var combined = new double[knnProbabilities.Max(p => p.Length)];
        for (var step = 0; step <= gridSteps; step++)
        {
            // i / steps rather than a running sum of 0.05, so the grid points are exact where they can be.
            var lambda = step / (double)gridSteps;
            var correct = 0;
            for (var q = 0; q < queries; q++)
            {
                var classes = knnProbabilities[q].Length;
                correct += Mix(knnProbabilities[q], linearProbabilities[q], lambda, combined.AsSpan(0, classes)) == labels[q] ? 1 : 0;
            }
            curve[step] = new LambdaAccuracy(lambda, correct / (double)queries);
            if (curve[step].Accuracy >= curve[best].Accuracy)
            {
                best = step;
            }
        }
        return new LambdaTuning(curve[best].Lambda, curve[best].Accuracy, curve);
    }

    private static int Mix(ReadOnlySpan<double> knn, ReadOnlySpan<float> linear, double lambda, Span<double> combined)
    {
        double knnTotal = 0;
        foreach (var p in knn)
        {
            knnTotal += p;
        }
        var weight = knnTotal > 0 ? lambda : 0;
        var label = 0;
        for (var c = 0; c < combined.Length; c++)
        {
            combined[c] = weight * knn[c] + (1 - weight) * linear[c];
            if (combined[c] > combined[label])
            {
                label = c;
            }
        }
        return label;
    }

    private static void CheckLambda(double lambda)
    {
        if (!(lambda >= 0 && lambda <= 1))
        {
            throw new ArgumentException($"lambda must lie in [0, 1], got {lambda}", nameof(lambda));
        }
    }

    private static void CheckPair(ReadOnlySpan<double> knn, ReadOnlySpan<float> linear, int query)
    {
        if (knn.IsEmpty || knn.Length != linear.Length)
        {
            throw new ArgumentException($"query {query}: the kNN and linear distributions must be non-empty and equally long ({knn.Length} vs {linear.Length})");
        }
        for (var c = 0; c < knn.Length; c++)
        {
            if (!double.IsFinite(knn[c]) || !float.IsFinite(linear[c]))
            {
                throw new ArgumentException($"query {query}: class {c} has a non-finite probability");
            }
        }
    }
}
