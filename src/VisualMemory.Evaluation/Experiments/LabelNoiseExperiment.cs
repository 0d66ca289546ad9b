using VisualMemory.Core.Evaluation;
using VisualMemory.Core.Search;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>
/// Replaces a fraction p of the memory's labels by labels drawn uniformly from all classes (a
/// seeded random choice of exactly round(p·N) items) and measures accuracy. Labels do not move
/// vectors, so a noisy memory returns the same neighbours as the clean one, only with other labels:
/// the experiment relabels the baseline's neighbour lists instead of rebuilding and searching a
/// memory per level, which gives the same predictions at a fraction of the cost.
/// </summary>
public static class LabelNoiseExperiment
{
    /// <summary>Runs every level of <paramref name="levels"/> for every aggregation at each of <paramref name="ks"/>.</summary>
    public static LabelNoiseResult Run(Baseline baseline, IReadOnlyList<double> levels, IReadOnlyList<int> ks, int seed)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(levels);
        var dataset = baseline.Dataset;
        var memory = baseline.Memory;
        var clean = Enumerable.Range(0, dataset.TrainCount).Select(r => memory.Labels.TryGetIndex(dataset.TrainLabels[r], out var i) ? i : -1).ToArray();
        var classes = clean.Distinct().Order().ToArray();
        var results = new List<NoiseLevelResult>();
        foreach (var (fraction, level) in levels.Select((p, i) => (p, i)))
        {
            var random = new Random(HashCode.Combine(seed, level));
            var noisy = (int[])clean.Clone();
            var order = Enumerable.Range(0, noisy.Length).ToArray();
            random.Shuffle(order);
            foreach (var row in order.AsSpan(0, (int)Math.Round(fraction * noisy.Length)))
            {
                noisy[row] = classes[random.Next(classes.Length)];
            }
            var relabelled = baseline.Neighbors.Select(list => list.Select(n => n with { Label = noisy[n.Id] }).ToArray()).ToArray();
            var cells = KnnEvaluation.Accuracy(relabelled, baseline.Truth, ks, Aggregations.All);
            var wrong = noisy.Zip(clean).Count(p => p.First != p.Second) / (double)noisy.Length;
            results.Add(new NoiseLevelResult(fraction, wrong, AccuracyCurve.FromCells(cells)));
        }
        return new LabelNoiseResult(baseline.Neighbors.Count, results);
    }
}
