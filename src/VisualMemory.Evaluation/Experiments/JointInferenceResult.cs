using VisualMemory.Core.Linear;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>JOINT-INF (research.md §3): linear head alone, kNN distribution alone, and their tuned mix.</summary>
/// <param name="Epochs">Training epochs of the linear head.</param>
/// <param name="TrainSeconds">Time training took.</param>
/// <param name="EpochLosses">Mean training cross-entropy per epoch.</param>
/// <param name="K">Neighbours of the kNN distribution.</param>
/// <param name="Tau">Temperature of the kNN distribution.</param>
/// <param name="ValidationQueries">Test queries used to tune λ (a seeded random half).</param>
/// <param name="EvaluationQueries">The other test queries, on which the accuracies are reported.</param>
/// <param name="Lambda">The tuned λ (weight of the kNN distribution).</param>
/// <param name="LinearAccuracy">λ = 0 on the evaluation queries.</param>
/// <param name="KnnAccuracy">λ = 1 on the evaluation queries.</param>
/// <param name="JointAccuracy">The tuned λ on the evaluation queries.</param>
/// <param name="ValidationCurve">Validation accuracy at every λ of the grid.</param>
public sealed record JointInferenceResult(
    int Epochs, double TrainSeconds, IReadOnlyList<double> EpochLosses, int K, double Tau, int ValidationQueries, int EvaluationQueries,
    double Lambda, double LinearAccuracy, double KnnAccuracy, double JointAccuracy, IReadOnlyList<LambdaAccuracy> ValidationCurve);
