using System.Text;
using VisualMemory.Evaluation.Experiments;
using VisualMemory.Evaluation.Harness;
using static VisualMemory.Evaluation.Reporting.Numbers;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>Renders an <see cref="EvaluationRun"/> as the report's markdown, linking the charts of <see cref="ReportCharts"/>.</summary>
public static class ReportMarkdown
{
    /// <summary>The whole report; <paramref name="command"/> is the command line that regenerates it.</summary>
    public static string Render(EvaluationRun run, string command)
    {
        ArgumentNullException.ThrowIfNull(run);
        var md = new StringBuilder();
        md.Append("# Evaluation report: ").AppendLine(run.Dataset).AppendLine();
        md.AppendLine("Regenerate with:").AppendLine().AppendLine("```").AppendLine(command).AppendLine("```").AppendLine();
        md.AppendLine(FormattableString.Invariant($"- Date: {run.StartedAt:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine(FormattableString.Invariant($"- Machine: {run.ProcessorCount} logical cores (the shared development machine has 2; run times scale with cores). In-process `LocalMemory`, Flat (exact) index, 4 shards."));
        md.AppendLine(FormattableString.Invariant($"- Sizes: {Count(run.TrainCount)} memory items (training split), {Count(run.TestCount)} test queries, dimension {run.Dimension}{(run.Quick ? "; **quick preset** (subsampled, fewer k values and noise levels)" : "")}; seed {run.Seed}."));
        if (run.Dataset == Data.FashionMnistDataset.Name)
        {
            md.AppendLine("- Embeddings: **raw pixels**, mean-centred and L2-normalised, a stand-in until the ONNX embedding workers exist. Absolute accuracies are therefore far below the paper's DINOv2 numbers; the comparisons below are about the paper's qualitative claims.");
        }
        md.AppendLine(FormattableString.Invariant($"- Total run time: {run.TotalSeconds:F1} s")).AppendLine();
        md.Append(MarkdownTable.Render(["step", "seconds"], [.. run.Timings.Select(t => (IReadOnlyList<string?>)[t.Step, Fixed(t.Seconds, 1)])])).AppendLine();

        if (run.AccuracyVsK is { } accuracy)
        {
            md.AppendLine("## Accuracy against k").AppendLine();
            md.AppendLine("Top-1 accuracy (%) per aggregation (research.md §1 defaults: softmax τ = 0.07, rank α = 2), one retrieval at the largest k, prefixes for smaller k. Compare the paper's Figure 2.").AppendLine();
            md.Append(CurveTable("aggregation", accuracy.Curves.Select(c => (c.Aggregation, c)))).AppendLine();
            md.AppendLine("![accuracy against k](accuracy-vs-k.svg)").AppendLine();
        }
        if (run.Pruning is { } pruning)
        {
            md.AppendLine("## Pruning: none, hard, soft").AppendLine();
            md.AppendLine(FormattableString.Invariant($"One prune job (leave-one-out, k = {pruning.JobK}, rank voting, default settings; {pruning.JobSeconds:F1} s) over {Count(pruning.MemorySize)} samples: {Count(pruning.Misclassified)} misclassified, {Count(pruning.SamplesBlamed)} samples with v > 0 (mean v over all samples {pruning.MeanCount:F2}); automatic hard threshold v ≥ {pruning.HardThreshold} removes {Count(pruning.HardPrunedCount)} samples. Soft pruning weighs each neighbour by γ = min(1, 1.75 / (1 + v)). Applied hard, evaluated, rolled back, applied soft, evaluated, rolled back.")).AppendLine();
            md.Append(CurveTable("pruning, aggregation", pruning.Modes.SelectMany(m => m.Curves.Select(c => ($"{m.Mode}, {c.Aggregation}", c))))).AppendLine();
            md.Append(MarkdownTable.Render(["pruning", "aggregation", "best k", "accuracy at best k (%)"],
                [.. pruning.Modes.SelectMany(m => m.Curves.Select(c => (IReadOnlyList<string?>)[m.Mode, c.Aggregation, c.Best.K.ToString(System.Globalization.CultureInfo.InvariantCulture), Percent(c.Best.Accuracy)]))])).AppendLine();
            md.AppendLine("![pruning](pruning.svg)").AppendLine();
        }
        if (run.NewClasses is { } added)
        {
            md.AppendLine("## New classes without training").AppendLine();
            md.AppendLine(FormattableString.Invariant($"A memory without the classes {string.Join(", ", added.NewClasses.Select(c => $"`{c}`"))} ({Count(added.MemoryBefore)} items) answers the {Count(added.OldQueries)} old-class test queries; then the {Count(added.Added)} training items of those classes are upserted into the live memory ({added.AddSeconds:F2} s, no other step) and old and new ({Count(added.NewQueries)}) queries are answered again.")).AppendLine();
            md.Append(MarkdownTable.Render(["aggregation", "k", "old classes before (%)", "old classes after (%)", "change (points)", "new classes after (%)", "old queries changed", "old queries now predicted new"],
                [.. added.Rows.Select(r => (IReadOnlyList<string?>)[r.Aggregation, Int(r.K), Percent(r.OldBefore), Percent(r.OldAfter), Points(r.OldAfter - r.OldBefore), Percent(r.NewAfter), Int(r.OldChanged), Int(r.OldPredictedNew)])])).AppendLine();
        }
        if (run.Unlearning is { } unlearning)
        {
            md.AppendLine("## Unlearning is exact").AppendLine();
            md.AppendLine(FormattableString.Invariant($"Memory A holds all {Count(unlearning.MemorySize)} items (row r tagged `part-{{r mod 20}}`) and unlearns {Count(unlearning.DeletedByIds)} items by id (a seeded random sample) and {Count(unlearning.DeletedBySource)} more by source `{unlearning.DeletedSource}`; memory B is built from scratch from the {Count(unlearning.Remaining)} remaining items. Both are searched with all {Count(unlearning.Queries)} test queries at k = {unlearning.K}. Differences (expected 0): {unlearning.NeighbourListDifferences} neighbour lists (ids and similarity bits), {unlearning.DeletedItemsReturned} deleted items returned.")).AppendLine();
            md.Append(MarkdownTable.Render(["aggregation", "k", "label differences", "confidence differences (any bit)"],
                [.. unlearning.Comparisons.Select(c => (IReadOnlyList<string?>)[c.Aggregation, Int(c.K), Int(c.LabelDifferences), Int(c.ConfidenceDifferences)])])).AppendLine();
        }
        if (run.LabelNoise is { } noise)
        {
            md.AppendLine("## Label noise").AppendLine();
            md.AppendLine("A seeded random fraction of memory labels is replaced by labels drawn uniformly from all classes (so about 1/classes of them stay right by chance: \"labels wrong\"). The vectors do not change, so neither do the neighbours: the baseline retrieval is relabelled rather than searched again. Top-1 accuracy (%):").AppendLine();
            var columns = noise.Levels[0].Curves.SelectMany(c => c.Points.Select(p => (c.Aggregation, p.K))).ToList();
            md.Append(MarkdownTable.Render(
                ["labels randomised (%)", "labels wrong (%)", .. columns.Select(c => $"{c.Aggregation} k={c.K}")],
                [.. noise.Levels.Select(l => (IReadOnlyList<string?>)[Percent(l.Fraction), Percent(l.ActuallyWrong), .. columns.Select(c => Percent(l.Curve(c.Aggregation).At(c.K)))])])).AppendLine();
            md.AppendLine("![label noise](label-noise.svg)").AppendLine();
        }
        if (run.Calibration is { } calibration)
        {
            md.AppendLine("## Calibration").AppendLine();
            md.AppendLine("Confidence = the winning label's share of the vote; 10 equal-width bins; ECE = Σ (n_b / N)·|acc_b − conf_b|.").AppendLine();
            foreach (var entry in calibration.Entries)
            {
                md.AppendLine(FormattableString.Invariant($"**{entry.Aggregation}, k = {entry.K}**: ECE {entry.Report.ExpectedCalibrationError:F4}, accuracy {Percent(entry.Report.Accuracy)} %, mean confidence {Percent(entry.Report.MeanConfidence)} %.")).AppendLine();
                md.Append(MarkdownTable.Render(["confidence bin", "queries", "mean confidence (%)", "accuracy (%)"],
                    [.. entry.Report.Bins.Select(b => (IReadOnlyList<string?>)[$"[{Fixed(b.Lower, 1)}, {Fixed(b.Upper, 1)})", Int(b.Count), b.Count == 0 ? "" : Percent(b.MeanConfidence), b.Count == 0 ? "" : Percent(b.Accuracy)])])).AppendLine();
            }
            md.AppendLine("![reliability diagram](reliability.svg)").AppendLine();
        }
        if (run.Influence is { } influence)
        {
            md.AppendLine("## Privacy audit (non-private items)").AppendLine();
            md.AppendLine(FormattableString.Invariant($"An item is non-private when removing it alone changes at least one test prediction (research.md §2), computed exactly from k + 1 neighbours per query. {influence.Aggregation} voting, k = {influence.K}, {Count(influence.Queries)} queries: {Count(influence.DistinctInTopK)} items appear in some top {influence.K}; **{Count(influence.NonPrivate)} of {Count(influence.MemorySize)} items ({Percent(influence.NonPrivateFraction)} %) are non-private**. Their removals turn {Count(influence.CorrectToWrong)} predictions from right to wrong and {Count(influence.WrongToCorrect)} from wrong to right.")).AppendLine();
            md.Append(MarkdownTable.Render(["item id", "predictions changed", "right → wrong", "wrong → right"],
                [.. influence.MostInfluential.Select(i => (IReadOnlyList<string?>)[Int(i.Id), Int(i.ChangedPredictions), Int(i.CorrectToWrong), Int(i.WrongToCorrect)])])).AppendLine();
        }
        if (run.JointInference is { } joint)
        {
            md.AppendLine("## JOINT-INF: kNN mixed with a linear head").AppendLine();
            md.AppendLine(FormattableString.Invariant($"A softmax head trained on the memory's stored vectors ({joint.Epochs} epochs of mini-batch Adam, {joint.TrainSeconds:F1} s; training loss per epoch {string.Join(", ", joint.EpochLosses.Select(l => Fixed(l, 3)))}). P_kNN from the k = {joint.K} nearest with weights exp(−d/τ), τ = {joint.Tau}. λ is tuned on a seeded random half of the test set ({Count(joint.ValidationQueries)} queries) over 0, 0.05, …, 1; the accuracies are on the other half ({Count(joint.EvaluationQueries)} queries).")).AppendLine();
            md.Append(MarkdownTable.Render(["predictor", "accuracy (%)"],
            [
                ["linear head only (λ = 0)", Percent(joint.LinearAccuracy)],
                ["kNN distribution only (λ = 1)", Percent(joint.KnnAccuracy)],
                [$"JOINT-INF, tuned λ = {Fixed(joint.Lambda, 2)}", Percent(joint.JointAccuracy)],
            ])).AppendLine();
        }
        md.AppendLine("## Where we agree or disagree with the paper").AppendLine();
        md.AppendLine("Each verdict is computed from the numbers above against the paper's qualitative claim; the tolerance is stated with it.").AppendLine();
        foreach (var line in PaperComparison.Judge(run))
        {
            md.Append("- ").AppendLine(line);
        }
        return md.ToString();
    }

    private static string Int(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string CurveTable(string title, IEnumerable<(string Name, AccuracyCurve Curve)> curves)
    {
        var list = curves.ToList();
        var ks = list[0].Curve.Points.Select(p => p.K).ToList();
        return MarkdownTable.Render(
            [title, .. ks.Select(k => $"k={k}")],
            [.. list.Select(c => (IReadOnlyList<string?>)[c.Name, .. ks.Select(k => Percent(c.Curve.At(k)))])]);
    }
}
