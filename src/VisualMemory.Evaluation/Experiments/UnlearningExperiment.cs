using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Evaluation.Data;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>
/// research.md §1's unlearning claim, checked exactly: memory A holds every training row (each
/// tagged with one of <see cref="SourceCount"/> sources), then unlearns a seeded random sample by
/// id and one whole source; memory B is built from scratch without those rows. Both are Flat, so
/// the claim is that every neighbour list and every prediction is bit-for-bit the same.
/// </summary>
public static class UnlearningExperiment
{
    /// <summary>How many source tags the rows are spread over (row r gets "part-{r mod SourceCount}").</summary>
    public const int SourceCount = 20;

    /// <summary>The source tag that is unlearned as a whole.</summary>
    public const string DeletedSource = "part-7";

    /// <summary>Runs the comparison with every aggregation at each of <paramref name="ks"/>.</summary>
    public static UnlearningResult Run(LabelledDataset dataset, double fraction, IReadOnlyList<int> ks, int seed, int batch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(ks);
        var all = Enumerable.Range(0, dataset.TrainCount).ToArray();
        var shuffled = (int[])all.Clone();
        new Random(seed).Shuffle(shuffled);
        var byIds = shuffled.AsSpan(0, (int)Math.Round(fraction * all.Length)).ToArray();
        var deleted = byIds.ToHashSet();
        deleted.UnionWith(all.Where(r => Source(r) == DeletedSource));
        var kept = all.Where(r => !deleted.Contains(r)).ToArray();
        if (kept.Length == 0)
        {
            throw new ArgumentException("the unlearning experiment would delete every item");
        }

        var k = ks.Max();
        var queries = Retrieval.AllTestRows(dataset);
        using var unlearned = MemoryFactory.Empty("unlearned", dataset.Dimension);
        MemoryFactory.Add(unlearned, dataset, all, sourceOf: Source);
        var memorySize = unlearned.Count;
        var idRecord = unlearned.Unlearn(UnlearningKind.Ids, null, [.. byIds.Select(r => (long)r)]);
        var sourceRecord = unlearned.Unlearn(UnlearningKind.Source, DeletedSource);
        var a = Retrieval.Search(unlearned, dataset, queries, k, batch);

        using var rebuilt = MemoryFactory.Empty("rebuilt", dataset.Dimension);
        // Labels are interned in first-seen order; adding every label first gives both memories the
        // same label indexes, so predictions compare index for index.
        foreach (var label in Enumerable.Range(0, unlearned.Labels.Count).Select(i => unlearned.Labels[i]))
        {
            rebuilt.Labels.GetOrAdd(label);
        }
        MemoryFactory.Add(rebuilt, dataset, kept, sourceOf: Source);
        var b = Retrieval.Search(rebuilt, dataset, queries, k, batch);

        var returned = a.Sum(list => list.Count(n => deleted.Contains((int)n.Id)));
        var listDifferences = a.Zip(b).Count(pair => !SameNeighbours(pair.First, pair.Second));
        var comparisons = new List<UnlearningComparison>();
        foreach (var options in Aggregations.All)
        {
            foreach (var kk in ks)
            {
                int labels = 0, confidences = 0;
                for (var q = 0; q < queries.Length; q++)
                {
                    var x = KnnClassifier.Classify(a[q].AsSpan(0, Math.Min(kk, a[q].Length)), options);
                    var y = KnnClassifier.Classify(b[q].AsSpan(0, Math.Min(kk, b[q].Length)), options);
                    labels += x.Label == y.Label ? 0 : 1;
                    confidences += BitConverter.DoubleToInt64Bits(x.Confidence) == BitConverter.DoubleToInt64Bits(y.Confidence) ? 0 : 1;
                }
                comparisons.Add(new UnlearningComparison(AggregationOptions.NameOf(options.Kind), kk, labels, confidences));
            }
        }
        return new UnlearningResult(
            memorySize, (int)idRecord.Deleted, DeletedSource, (int)sourceRecord.Deleted, unlearned.Count, queries.Length, k,
            returned, listDifferences, comparisons);
    }

    private static string Source(int row) => $"part-{row % SourceCount}";

    private static bool SameNeighbours(Neighbor[] x, Neighbor[] y) =>
        x.Length == y.Length && x.Zip(y).All(p =>
            p.First.Id == p.Second.Id && p.First.Label == p.Second.Label
            && BitConverter.SingleToInt32Bits(p.First.Similarity) == BitConverter.SingleToInt32Bits(p.Second.Similarity)
            && BitConverter.SingleToInt32Bits(p.First.Reliability) == BitConverter.SingleToInt32Bits(p.Second.Reliability));
}
