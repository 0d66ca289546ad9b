using VisualMemory.Core.Evaluation;

namespace VisualMemory.Core.Tests;

public class CalibrationTests
{
    // Seven predictions over 10 bins, worked by hand:
    // bin 0: 0.05 wrong            → conf 0.05,  acc 0    gap 0.05  weight 1/7
    // bin 1: 0.15 right, 0.15 wrong → conf 0.15,  acc 0.5  gap 0.35  weight 2/7
    // bin 5: 0.5 wrong, 0.55 right  → conf 0.525, acc 0.5  gap 0.025 weight 2/7
    // bin 9: 0.95 right, 1.0 right  → conf 0.975, acc 1    gap 0.025 weight 2/7
    // ECE = (0.05 + 0.7 + 0.05 + 0.05) / 7 = 0.85 / 7.
    private static readonly double[] Confidences = [0.05, 0.15, 0.15, 0.95, 1.0, 0.5, 0.55];
    private static readonly bool[] Correct = [false, true, false, true, true, false, true];

    [Fact]
    public void Bins_hold_count_mean_confidence_and_accuracy()
    {
        var report = Calibration.Compute(Confidences, Correct);
        Assert.Equal(10, report.Bins.Count);
        Assert.Equal([1, 2, 0, 0, 0, 2, 0, 0, 0, 2], report.Bins.Select(b => b.Count));
        Assert.Equal(0.15, report.Bins[1].MeanConfidence, 12);
        Assert.Equal(0.5, report.Bins[1].Accuracy);
        Assert.Equal(0.525, report.Bins[5].MeanConfidence, 12);
        Assert.Equal(0.975, report.Bins[9].MeanConfidence, 12);
        Assert.Equal(1.0, report.Bins[9].Accuracy);
        Assert.Equal(0.5, report.Bins[5].Lower);
        Assert.Equal(0.6, report.Bins[5].Upper);
    }

    [Fact]
    public void Ece_weighs_each_bins_gap_by_its_share_of_predictions()
    {
        var report = Calibration.Compute(Confidences, Correct);
        Assert.Equal(0.85 / 7, report.ExpectedCalibrationError, 12);
        Assert.Equal(7, report.Count);
        Assert.Equal(4.0 / 7, report.Accuracy, 12);
        Assert.Equal(3.35 / 7, report.MeanConfidence, 12);
    }

    [Fact]
    public void Empty_bins_report_zeros_and_do_not_count_in_ece()
    {
        var report = Calibration.Compute([0.75, 0.75, 0.75, 0.75], [true, true, true, false], bins: 4);
        Assert.Equal(new CalibrationBin(0, 0.25, 0, 0, 0), report.Bins[0]);
        Assert.Equal(new CalibrationBin(0.75, 1, 4, 0.75, 0.75), report.Bins[3]);
        Assert.Equal(0, report.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void Each_lower_edge_belongs_to_its_own_bin_and_one_to_the_last()
    {
        double[] edges = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        var report = Calibration.Compute(edges, edges.Select(_ => true).ToArray());
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 2], report.Bins.Select(b => b.Count));
        for (var b = 0; b < 9; b++)
        {
            Assert.Equal(edges[b], report.Bins[b].MeanConfidence);
        }
    }

    [Fact]
    public void A_confidence_just_under_an_edge_stays_below_it()
    {
        // The double just under 0.9 times 10 rounds up to 9.0, yet it lies below bin 9's edge 0.9.
        var justUnder = Math.BitDecrement(0.9);
        var report = Calibration.Compute([justUnder], [true]);
        Assert.Equal(1, report.Bins[8].Count);
        Assert.True(report.Bins[8].MeanConfidence < report.Bins[8].Upper);
    }

    [Fact]
    public void One_bin_compares_overall_accuracy_with_overall_confidence()
    {
        var report = Calibration.Compute([0.9, 0.8, 0.7, 0.6], [true, false, false, true], bins: 1);
        Assert.Equal(0.25, report.ExpectedCalibrationError, 12); // |0.5 − 0.75|
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Calibration.Compute([], []));
        Assert.Throws<ArgumentException>(() => Calibration.Compute([0.5], [true, false]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.Compute([1.01], [true]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.Compute([-0.1], [true]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.Compute([double.NaN], [true]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.Compute([0.5], [true], bins: 0));
        Assert.Throws<ArgumentNullException>(() => Calibration.Compute(null!, [true]));
    }
}
