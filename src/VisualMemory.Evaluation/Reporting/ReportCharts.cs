using VisualMemory.Evaluation.Experiments;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>The report's SVG plots, by file name. Accuracies are drawn in percent.</summary>
public static class ReportCharts
{
    /// <summary>Every chart the run's results allow, file name → SVG text.</summary>
    public static IReadOnlyDictionary<string, string> Render(EvaluationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var charts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (run.AccuracyVsK is { } accuracy)
        {
            charts["accuracy-vs-k.svg"] = new SvgLineChart
            {
                Title = $"{run.Dataset}: top-1 accuracy against k", XLabel = "k (log scale)", YLabel = "top-1 accuracy (%)", LogX = true,
            }.Render([.. accuracy.Curves.Select(c => Series(c.Aggregation, c))]);
        }
        if (run.Pruning is { } pruning)
        {
            charts["pruning.svg"] = new SvgLineChart
            {
                Title = $"{run.Dataset}: pruning none / hard / soft", XLabel = "k (log scale)", YLabel = "top-1 accuracy (%)", LogX = true,
            }.Render([.. pruning.Modes.SelectMany(m => m.Curves.Select(c => Series($"{c.Aggregation}, {m.Mode}", c)))]);
        }
        if (run.LabelNoise is { } noise)
        {
            var first = noise.Levels[0];
            charts["label-noise.svg"] = new SvgLineChart
            {
                Title = $"{run.Dataset}: accuracy against label noise", XLabel = "memory labels randomised (%)", YLabel = "top-1 accuracy (%)",
                YRange = (0, 100),
            }.Render([.. first.Curves.SelectMany(c => c.Points.Select(p => (c.Aggregation, p.K))).Select(pair => new ChartSeries(
                $"{pair.Aggregation}, k={pair.K}",
                [.. noise.Levels.Select(l => (l.Fraction * 100, l.Curve(pair.Aggregation).At(pair.K) * 100))]))]);
        }
        if (run.Calibration is { } calibration)
        {
            var series = new List<ChartSeries> { new("perfect calibration", [(0, 0), (100, 100)]) };
            series.AddRange(calibration.Entries.Select(e => new ChartSeries(
                $"{e.Aggregation}, k={e.K}",
                [.. e.Report.Bins.Where(b => b.Count > 0).Select(b => (b.MeanConfidence * 100, b.Accuracy * 100))])));
            charts["reliability.svg"] = new SvgLineChart
            {
                Title = $"{run.Dataset}: reliability (vote share as confidence)", XLabel = "mean confidence in bin (%)", YLabel = "accuracy in bin (%)",
                YRange = (0, 100),
            }.Render(series);
        }
        return charts;
    }

    private static ChartSeries Series(string name, AccuracyCurve curve) => new(name, [.. curve.Points.Select(p => ((double)p.K, p.Accuracy * 100))]);
}
