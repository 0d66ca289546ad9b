using System.Diagnostics;
using VisualMemory.Evaluation.Data;
using VisualMemory.Evaluation.Experiments;

namespace VisualMemory.Evaluation.Harness;

/// <summary>
/// Runs the selected experiments in-process against <see cref="Engine.LocalMemory"/> (no server):
/// the baseline memory and retrieval are made once and shared by the experiments that only read
/// them; new classes and unlearning build their own memories.
/// </summary>
public static class EvaluationHarness
{
    /// <summary>Runs <paramref name="options"/>' experiments on <paramref name="dataset"/>, reporting progress lines to <paramref name="progress"/>.</summary>
    /// <exception cref="ArgumentException">The options are unusable.</exception>
    public static EvaluationRun Run(LabelledDataset dataset, HarnessOptions options, TextWriter? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        var startedAt = DateTimeOffset.UtcNow;
        var data = dataset.Subsample(options.MaxTrain, options.MaxTest, options.Seed);
        var timings = new List<ExperimentTiming>();
        var selected = options.Experiments;
        var run = new EvaluationRun(data.Name, data.TrainCount, data.TestCount, data.Dimension, options.IsQuick, options.Seed, startedAt, Environment.ProcessorCount, timings);

        T Timed<T>(string step, Func<T> work)
        {
            progress?.WriteLine($"{step} ...");
            var clock = Stopwatch.StartNew();
            var result = work();
            timings.Add(new ExperimentTiming(step, clock.Elapsed.TotalSeconds));
            progress?.WriteLine(FormattableString.Invariant($"{step}: {clock.Elapsed.TotalSeconds:F1} s"));
            return result;
        }

        bool Has(ExperimentKind kind) => selected.Contains(kind);
        string Name(ExperimentKind kind) => ExperimentNames.NameOf(kind);

        ExperimentKind[] shared = [ExperimentKind.AccuracyVsK, ExperimentKind.Calibration, ExperimentKind.Influence, ExperimentKind.LabelNoise, ExperimentKind.JointInference, ExperimentKind.Pruning];
        if (shared.Any(Has))
        {
            using var baseline = Timed("baseline", () => Baseline.Create(data, options.MaxK, options.SearchBatch));
            run = run with
            {
                AccuracyVsK = Has(ExperimentKind.AccuracyVsK) ? Timed(Name(ExperimentKind.AccuracyVsK), () => AccuracyVsKExperiment.Run(baseline, options.Ks)) : null,
                Calibration = Has(ExperimentKind.Calibration) ? Timed(Name(ExperimentKind.Calibration), () => CalibrationExperiment.Run(baseline)) : null,
                Influence = Has(ExperimentKind.Influence) ? Timed(Name(ExperimentKind.Influence), () => InfluenceExperiment.Run(baseline, options.InfluenceK)) : null,
                LabelNoise = Has(ExperimentKind.LabelNoise) ? Timed(Name(ExperimentKind.LabelNoise), () => LabelNoiseExperiment.Run(baseline, options.NoiseLevels, options.TableKs, options.Seed)) : null,
                JointInference = Has(ExperimentKind.JointInference) ? Timed(Name(ExperimentKind.JointInference), () => JointInferenceExperiment.Run(baseline, options.JointK, options.LinearEpochs, options.Seed)) : null,
                Pruning = Has(ExperimentKind.Pruning) ? Timed(Name(ExperimentKind.Pruning), () => PruningExperiment.Run(baseline, options.Ks, options.SearchBatch)) : null,
            };
        }
        if (Has(ExperimentKind.NewClasses))
        {
            var heldOut = options.HeldOutClasses ?? DatasetSpec.DefaultHeldOutClasses(data);
            if (heldOut is null)
            {
                progress?.WriteLine("new-classes: skipped, the dataset has fewer than three classes");
            }
            else
            {
                run = run with { NewClasses = Timed(Name(ExperimentKind.NewClasses), () => NewClassesExperiment.Run(data, heldOut, options.TableKs, options.SearchBatch)) };
            }
        }
        if (Has(ExperimentKind.Unlearning))
        {
            run = run with { Unlearning = Timed(Name(ExperimentKind.Unlearning), () => UnlearningExperiment.Run(data, options.UnlearnFraction, options.TableKs, options.Seed, options.SearchBatch)) };
        }
        return run;
    }
}
