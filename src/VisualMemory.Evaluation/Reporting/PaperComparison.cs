using VisualMemory.Evaluation.Harness;
using static VisualMemory.Evaluation.Reporting.Numbers;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>
/// The "where we agree or disagree with the paper" judgements, each computed from the run's
/// numbers against the paper's qualitative claim (research.md §1–3). The tolerance each verdict
/// uses is stated in its sentence, so a reader can disagree with the threshold, not the arithmetic.
/// </summary>
public static class PaperComparison
{
    /// <summary>One markdown bullet per claim the run measured.</summary>
    public static IReadOnlyList<string> Judge(EvaluationRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var lines = new List<string>();
        if (run.AccuracyVsK is { } accuracy)
        {
            var ks = accuracy.Curves[0].Points.Select(p => p.K).ToList();
            var low = ks.Contains(10) ? 10 : ks.Min();
            var high = ks.Max();
            var rank = accuracy.Curve("rank");
            var plurality = accuracy.Curve("plurality");
            var dRank = rank.At(high) - rank.At(low);
            var dPlurality = plurality.At(high) - plurality.At(low);
            var stability = dRank > dPlurality && dRank >= -0.005 ? "agree"
                : dPlurality < 0 && dRank > dPlurality / 2 ? "partly agree"
                : "disagree";
            lines.Add($"**Rank voting is stable in k, plurality decays** — {stability}: rank voting changes by {Points(dRank)} points from k={low} to k={high}, plurality by {Points(dPlurality)} (agreement: rank loses less than plurality and at most 0.5 points; partly: rank loses less than half of what plurality loses).");
            var best = accuracy.Curves.Select(c => (c.Aggregation, c.Best)).OrderByDescending(b => b.Best.Accuracy).ToList();
            var rankBest = rank.Best;
            var gap = best[0].Best.Accuracy - rankBest.Accuracy;
            var verdict = gap <= 0.001 ? "agree" : gap <= 0.005 ? "partly agree" : "disagree";
            lines.Add($"**Rank voting is the best aggregation** — {verdict}: the best accuracies over k are " +
                string.Join(", ", best.Select(b => $"{b.Aggregation} {Percent(b.Best.Accuracy)} % (k={b.Best.K})")) + " (agreement: rank within 0.1 points of the best; partly: within 0.5).");
        }
        if (run.Pruning is { } pruning)
        {
            double Best(string mode) => pruning.Mode(mode).Curve("rank").Best.Accuracy;
            var (none, hard, soft) = (Best("none"), Best("hard"), Best("soft"));
            var verdict = soft >= hard && hard >= none ? "agree" : soft >= none ? "partly agree" : "disagree";
            lines.Add($"**Pruning: soft ≥ hard ≥ none** — {verdict}: rank voting at its best k reaches {Percent(none)} % without pruning, {Percent(hard)} % hard-pruned ({Count(pruning.HardPrunedCount)} samples removed at v ≥ {pruning.HardThreshold}) and {Percent(soft)} % soft-pruned (paper: 83.6 → 83.7 → 84.1). Here {Percent(pruning.SamplesBlamed / (double)pruning.MemorySize)} % of the samples have v > 0 (mean v {Fixed(pruning.MeanCount, 2)}; the leave-one-out error is {Percent(pruning.Misclassified / (double)pruning.MemorySize)} %), so soft pruning down-weights most of the memory rather than a few outliers.");
        }
        if (run.NewClasses is { } added && added.Rows.FirstOrDefault(r => r.Aggregation == "rank") is { } row)
        {
            var dOld = row.OldAfter - row.OldBefore;
            var verdict = Math.Abs(dOld) <= 0.01 && row.NewAfter >= 0.5 * row.OldAfter ? "agree" : row.NewAfter > 0 ? "partly agree" : "disagree";
            lines.Add($"**New classes without forgetting** — {verdict}: adding {string.Join(" and ", added.NewClasses)} live changed old-class accuracy by {Points(dOld)} points (rank voting, k={row.K}; {Count(row.OldPredictedNew)} of {Count(added.OldQueries)} old-class queries are now predicted as a new class), and the new classes reached {Percent(row.NewAfter)} % (paper: ±0.02–0.04 % on ImageNet, new classes ~87 %; agreement here: old-class change within 1 point and new classes at least half the old-class accuracy). With 8 old classes against the paper's 1000, the added classes are a far larger share of the label space, so some old queries can only now be confused with them.");
        }
        if (run.Unlearning is { } unlearning)
        {
            lines.Add($"**Unlearning is exact** — {(unlearning.TotalDifferences == 0 ? "agree" : "disagree")}: after unlearning {Count(unlearning.DeletedByIds + unlearning.DeletedBySource)} items, {unlearning.TotalDifferences} differences against a memory rebuilt without them ({unlearning.NeighbourListDifferences} neighbour lists, {unlearning.Comparisons.Sum(c => c.LabelDifferences)} labels, {unlearning.Comparisons.Sum(c => c.ConfidenceDifferences)} confidences over {Count(unlearning.Queries)} queries × {unlearning.Comparisons.Count} settings; {unlearning.DeletedItemsReturned} deleted items returned).");
        }
        if (run.LabelNoise is { } noise && noise.Levels.FirstOrDefault(l => l.Fraction == 0) is { } clean)
        {
            var target = noise.Levels.Where(l => l.Fraction <= 0.6 + 1e-9).MaxBy(l => l.Fraction)!;
            if (target.Fraction > 0)
            {
                var k = clean.Curve("rank").Points.Max(p => p.K);
                var changes = clean.Curves.Select(c => (c.Aggregation, Change: target.Curve(c.Aggregation).At(k) - c.At(k))).ToList();
                var rankLoss = -changes.Single(d => d.Aggregation == "rank").Change;
                var verdict = rankLoss <= 0.02 ? "agree" : rankLoss <= 0.10 ? "partly agree" : "disagree";
                var smallK = clean.Curve("rank").Points.Min(p => p.K);
                lines.Add($"**Robust to label noise up to ~60 %** — {verdict}: with {Percent(target.Fraction)} % of memory labels randomised, accuracy at k={k} changes by " +
                    string.Join(", ", changes.Select(d => $"{d.Aggregation} {Points(d.Change)}")) + $" points (agreement: rank voting loses at most 2 points; partly: at most 10). At k={smallK} rank voting changes by {Points(target.Curve("rank").At(smallK) - clean.Curve("rank").At(smallK))} points: the robustness comes from voting over many neighbours.");
            }
        }
        if (run.Calibration is { } calibration)
        {
            foreach (var entry in calibration.Entries)
            {
                var gap = entry.Report.MeanConfidence - entry.Report.Accuracy;
                var verdict = entry.Report.ExpectedCalibrationError <= 0.05 ? "agree" : entry.Report.ExpectedCalibrationError <= 0.10 ? "partly agree" : "disagree";
                lines.Add($"**Vote share is a calibrated confidence ({entry.Aggregation}, k={entry.K})** — {verdict}: ECE {Fixed(entry.Report.ExpectedCalibrationError, 4)}; mean confidence {Percent(entry.Report.MeanConfidence)} % against accuracy {Percent(entry.Report.Accuracy)} % ({(gap > 0 ? "over" : "under")}-confident by {Fixed(Math.Abs(gap) * 100, 2)} points; agreement: ECE ≤ 0.05, partly: ≤ 0.10).");
            }
        }
        if (run.Influence is { } influence)
        {
            lines.Add($"**Few memory items are non-private** — {(influence.NonPrivateFraction < 0.006 ? "agree" : "disagree")}: {Percent(influence.NonPrivateFraction)} % of the memory ({Count(influence.NonPrivate)} of {Count(influence.MemorySize)}) changes at least one of {Count(influence.Queries)} test predictions when removed ({influence.Aggregation} voting, k={influence.K}; paper: < 0.6 % on ImageNet-1K, with 50,000 test queries against 1.28 M items — the fraction grows with queries per item).");
        }
        if (run.JointInference is { } joint)
        {
            var bestSingle = Math.Max(joint.LinearAccuracy, joint.KnnAccuracy);
            lines.Add($"**JOINT-INF beats either part** — {(joint.JointAccuracy > bestSingle ? "agree" : joint.JointAccuracy >= bestSingle ? "tie" : "disagree")}: linear head {Percent(joint.LinearAccuracy)} %, kNN distribution {Percent(joint.KnnAccuracy)} %, mixed at λ = {Fixed(joint.Lambda, 2)} {Percent(joint.JointAccuracy)} % ({Points(joint.JointAccuracy - bestSingle)} points over the better part, on the held-out half of the test set).");
        }
        return lines;
    }
}
