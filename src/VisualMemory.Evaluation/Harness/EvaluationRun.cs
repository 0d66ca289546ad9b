using VisualMemory.Evaluation.Experiments;

namespace VisualMemory.Evaluation.Harness;

/// <summary>Everything one harness run measured; experiments not run are null.</summary>
/// <param name="Dataset">The dataset's name.</param>
/// <param name="TrainCount">Memory items (training rows used).</param>
/// <param name="TestCount">Test queries used.</param>
/// <param name="Dimension">Vector dimension.</param>
/// <param name="Quick">Whether the quick preset was used.</param>
/// <param name="Seed">The seed of every random choice.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="ProcessorCount">Logical processors of the machine.</param>
/// <param name="Timings">Seconds per step, in run order.</param>
public sealed record EvaluationRun(
    string Dataset, int TrainCount, int TestCount, int Dimension, bool Quick, int Seed, DateTimeOffset StartedAt, int ProcessorCount,
    IReadOnlyList<ExperimentTiming> Timings)
{
    /// <summary>Accuracy against k.</summary>
    public AccuracyVsKResult? AccuracyVsK { get; init; }

    /// <summary>Pruning none / hard / soft.</summary>
    public PruningResult? Pruning { get; init; }

    /// <summary>Adding new classes.</summary>
    public NewClassesResult? NewClasses { get; init; }

    /// <summary>Unlearning against rebuilding.</summary>
    public UnlearningResult? Unlearning { get; init; }

    /// <summary>Label noise.</summary>
    public LabelNoiseResult? LabelNoise { get; init; }

    /// <summary>Calibration.</summary>
    public CalibrationResult? Calibration { get; init; }

    /// <summary>The privacy audit.</summary>
    public InfluenceResult? Influence { get; init; }

    /// <summary>JOINT-INF.</summary>
    public JointInferenceResult? JointInference { get; init; }

    /// <summary>Total seconds over all steps.</summary>
    public double TotalSeconds => Timings.Sum(t => t.Seconds);
}
