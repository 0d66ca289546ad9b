namespace VisualMemory.Core.Linear;

/// <summary>
/// How <see cref="LogisticRegression.Train"/> fits a softmax head: mini-batch Adam (β₁ = 0.9,
/// β₂ = 0.999, ε = 1e-8) from zero weights, minimising mean cross-entropy + (λ/2)·‖W‖² (the bias
/// is not decayed).
/// </summary>
/// <param name="Epochs">Passes over the training rows; at least 1.</param>
/// <param name="LearningRate">Adam's step size; positive.</param>
/// <param name="WeightDecay">λ, the L2 penalty on the weights; zero or positive.</param>
/// <param name="BatchSize">Rows per gradient step; at least 1.</param>
/// <param name="Seed">Seeds the per-epoch shuffle, the only randomness, so equal seeds give equal heads.</param>
/// <param name="CenterFeatures">
/// Subtract the training rows' mean from every row (kept in the head and applied at prediction),
/// which conditions the problem better (research.md §3 also centres before kNN).
/// </param>
/// <param name="Parallelism">Threads to use; 0 means one per core. The result does not depend on it.</param>
public sealed record LogisticRegressionOptions(
    int Epochs = 10,
    double LearningRate = 1e-3,
    double WeightDecay = 1e-4,
    int BatchSize = 256,
    int Seed = 0,
    bool CenterFeatures = true,
    int Parallelism = 0)
{
    /// <summary>Null when the options are usable, otherwise what is wrong with them.</summary>
    public string? Problem() =>
        Epochs < 1 ? "epochs must be at least 1"
        : !(LearningRate > 0) || !double.IsFinite(LearningRate) ? "learning rate must be a positive finite number"
        : !(WeightDecay >= 0) || !double.IsFinite(WeightDecay) ? "weight decay must be a finite number, zero or more"
        : BatchSize < 1 ? "batch size must be at least 1"
        : Parallelism < 0 ? "parallelism must be 0 (one thread per core) or more"
        : null;
}
