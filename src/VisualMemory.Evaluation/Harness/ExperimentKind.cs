namespace VisualMemory.Evaluation.Harness;

/// <summary>The experiments the harness can run; <see cref="ExperimentNames"/> gives their command-line names.</summary>
public enum ExperimentKind
{
    /// <summary>Accuracy against k for every aggregation.</summary>
    AccuracyVsK,

    /// <summary>No pruning against hard and soft pruning.</summary>
    Pruning,

    /// <summary>Adding unseen classes live, without retraining.</summary>
    NewClasses,

    /// <summary>Deleting items against rebuilding without them.</summary>
    Unlearning,

    /// <summary>Accuracy with a fraction of memory labels randomised.</summary>
    LabelNoise,

    /// <summary>Reliability of the vote share as a confidence.</summary>
    Calibration,

    /// <summary>The privacy audit: items whose removal changes a prediction.</summary>
    Influence,

    /// <summary>kNN mixed with a linear head (JOINT-INF).</summary>
    JointInference,
}
