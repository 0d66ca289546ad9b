using VisualMemory.Evaluation.Experiments;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Tests;

public class ExperimentTests
{
    private static readonly int[] Ks = [1, 10, 100];

    [Fact]
    public void Unlearning_matches_a_rebuilt_memory_bit_for_bit()
    {
        var result = UnlearningExperiment.Run(SyntheticDataset.Create(), fraction: 0.05, [10, 100], seed: 1, batch: 50);
        Assert.Equal(30, result.DeletedByIds);
        Assert.True(result.DeletedBySource > 0);
        Assert.Equal(result.MemorySize - result.DeletedByIds - result.DeletedBySource, result.Remaining);
        Assert.Equal(8, result.Comparisons.Count);
        Assert.Equal(0, result.TotalDifferences);
    }

    [Fact]
    public void Zero_label_noise_reproduces_accuracy_against_k()
    {
        using var baseline = Baseline.Create(SyntheticDataset.Create(), 100, 64);
        var accuracy = AccuracyVsKExperiment.Run(baseline, Ks);
        var noise = LabelNoiseExperiment.Run(baseline, [0, 0.8], [10, 100], seed: 1);
        var clean = noise.Levels[0];
        Assert.Equal(0, clean.ActuallyWrong);
        foreach (var curve in accuracy.Curves)
        {
            Assert.Equal(curve.At(10), clean.Curve(curve.Aggregation).At(10));
            Assert.Equal(curve.At(100), clean.Curve(curve.Aggregation).At(100));
        }
        // About 1 in 4 random labels is right by chance with four classes.
        Assert.InRange(noise.Levels[1].ActuallyWrong, 0.5, 0.7);
    }

    [Fact]
    public void New_classes_are_recognised_once_added()
    {
        var result = NewClassesExperiment.Run(SyntheticDataset.Create(), ["c2", "c3"], [10, 100], batch: 64);
        Assert.Equal(300, result.MemoryBefore);
        Assert.Equal(300, result.Added);
        Assert.Equal(4, result.Rows.Count);
        Assert.All(result.Rows, r => Assert.True(r.NewAfter > 0));
        Assert.All(result.Rows, r => Assert.InRange(r.OldPredictedNew, 0, result.OldQueries));
    }

    [Fact]
    public void Pruning_is_rolled_back_after_the_experiment()
    {
        using var baseline = Baseline.Create(SyntheticDataset.Create(), 100, 64);
        var result = PruningExperiment.Run(baseline, Ks, batch: 64);
        Assert.Equal(["none", "hard", "soft"], result.Modes.Select(m => m.Mode));
        Assert.Equal(100, result.JobK);
        Assert.Null(baseline.Memory.Pruning.Applied);
        var again = Retrieval.Search(baseline.Memory, baseline.Dataset, Retrieval.AllTestRows(baseline.Dataset), 100, 64);
        Assert.Equal(baseline.Neighbors.Select(n => n.Select(x => x.Id)), again.Select(n => n.Select(x => x.Id)));
        // k = 1 under soft pruning: one neighbour with a positive weight decides alone, as without pruning.
        Assert.Equal(result.Mode("none").Curve("rank").At(1), result.Mode("soft").Curve("rank").At(1));
    }

    [Fact]
    public void Calibration_influence_and_joint_inference_report_sane_values()
    {
        using var baseline = Baseline.Create(SyntheticDataset.Create(), 100, 64);
        var calibration = CalibrationExperiment.Run(baseline);
        Assert.Equal(2, calibration.Entries.Count);
        Assert.All(calibration.Entries, e => Assert.Equal(10, e.Report.Bins.Count));
        Assert.All(calibration.Entries, e => Assert.InRange(e.Report.ExpectedCalibrationError, 0, 1));

        var influence = InfluenceExperiment.Run(baseline, 10);
        Assert.Equal(120, influence.Queries);
        Assert.InRange(influence.NonPrivate, 0, influence.DistinctInTopK);

        var joint = JointInferenceExperiment.Run(baseline, k: 100, epochs: 2, seed: 1);
        Assert.Equal(60, joint.ValidationQueries);
        Assert.Equal(60, joint.EvaluationQueries);
        Assert.Equal(2, joint.EpochLosses.Count);
        Assert.Contains(joint.Lambda, joint.ValidationCurve.Select(p => p.Lambda));
        Assert.InRange(joint.JointAccuracy, 0, 1);
    }
}
