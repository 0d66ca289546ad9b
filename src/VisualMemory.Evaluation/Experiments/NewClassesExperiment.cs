using System.Diagnostics;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;
using VisualMemory.Evaluation.Data;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>
/// research.md §1's "add a new class without training": a memory of all but
/// <c>newClasses</c> is evaluated on the old classes' test rows; then the new classes' training
/// rows are upserted into the same live memory and both old and new test rows are evaluated again.
/// </summary>
public static class NewClassesExperiment
{
    /// <summary>Runs the experiment with rank and plurality voting at each of <paramref name="ks"/>.</summary>
    /// <exception cref="ArgumentException">A new class has no training or no test rows, or no class would remain.</exception>
    public static NewClassesResult Run(LabelledDataset dataset, IReadOnlyList<string> newClasses, IReadOnlyList<int> ks, int batch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(newClasses);
        ArgumentNullException.ThrowIfNull(ks);
        var isNew = newClasses.ToHashSet(StringComparer.Ordinal);
        var oldTrain = Enumerable.Range(0, dataset.TrainCount).Where(r => !isNew.Contains(dataset.TrainLabels[r])).ToArray();
        var newTrain = Enumerable.Range(0, dataset.TrainCount).Where(r => isNew.Contains(dataset.TrainLabels[r])).ToArray();
        var oldTest = Enumerable.Range(0, dataset.TestCount).Where(r => !isNew.Contains(dataset.TestLabels[r])).ToArray();
        var newTest = Enumerable.Range(0, dataset.TestCount).Where(r => isNew.Contains(dataset.TestLabels[r])).ToArray();
        if (oldTrain.Length == 0 || newTrain.Length == 0 || oldTest.Length == 0 || newTest.Length == 0)
        {
            throw new ArgumentException($"the classes {string.Join(", ", newClasses)} must have training and test rows, and other classes must remain");
        }
        var k = ks.Max();
        using var memory = MemoryFactory.Empty("new-classes", dataset.Dimension);
        MemoryFactory.Add(memory, dataset, oldTrain);
        var memoryBefore = memory.Count;
        var oldBefore = Retrieval.Search(memory, dataset, oldTest, k, batch);

        var clock = Stopwatch.StartNew();
        MemoryFactory.Add(memory, dataset, newTrain);
        var addSeconds = clock.Elapsed.TotalSeconds;

        var oldAfter = Retrieval.Search(memory, dataset, oldTest, k, batch);
        var newAfter = Retrieval.Search(memory, dataset, newTest, k, batch);
        var oldTruth = Retrieval.Truth(memory, dataset, oldTest);
        var newTruth = Retrieval.Truth(memory, dataset, newTest);
        var newIndexes = newClasses.Select(c => memory.Labels.TryGetIndex(c, out var i) ? i : -1).ToHashSet();

        var rows = new List<NewClassesRow>();
        foreach (var options in new[] { Aggregations.Rank, Aggregations.Plurality })
        {
            foreach (var kk in ks)
            {
                var before = Predict(oldBefore, kk, options);
                var after = Predict(oldAfter, kk, options);
                rows.Add(new NewClassesRow(
                    AggregationOptions.NameOf(options.Kind), kk,
                    Accuracy(before, oldTruth), Accuracy(after, oldTruth), Accuracy(Predict(newAfter, kk, options), newTruth),
                    before.Zip(after).Count(p => p.First != p.Second),
                    after.Count(p => p is { } label && newIndexes.Contains(label))));
            }
        }
        return new NewClassesResult([.. newClasses], memoryBefore, newTrain.Length, oldTest.Length, newTest.Length, addSeconds, rows);
    }

    private static int?[] Predict(Neighbor[][] neighbors, int k, AggregationOptions options) =>
        [.. neighbors.Select(n => KnnClassifier.Classify(n.AsSpan(0, Math.Min(k, n.Length)), options).Label)];

    private static double Accuracy(int?[] predicted, int[] truth) =>
        predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
}
