using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Evaluation;

/// <summary>Top-1 accuracy of one aggregation at one k.</summary>
/// <param name="Aggregation">The aggregation.</param>
/// <param name="K">Neighbours that voted.</param>
/// <param name="Accuracy">Fraction of queries whose predicted label equals the true one.</param>
public sealed record AccuracyCell(AggregationKind Aggregation, int K, double Accuracy);

/// <summary>
/// Accuracy of kNN classification for many (aggregation, k) pairs from one retrieval: each query's
/// neighbours are fetched once with the largest k, and every smaller k uses a prefix of them,
/// which is exactly what a search with that k returns.
/// </summary>
public static class KnnEvaluation
{
    /// <summary>
    /// Scores every pair. <paramref name="neighbors"/>[q] holds query q's neighbours nearest first
    /// (at least max(<paramref name="ks"/>) of them when the memory is that large);
    /// <paramref name="truth"/>[q] is its true label index.
    /// </summary>
    public static IReadOnlyList<AccuracyCell> Accuracy(
        IReadOnlyList<Neighbor[]> neighbors, IReadOnlyList<int> truth, IReadOnlyList<int> ks, IReadOnlyList<AggregationOptions> aggregations)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(ks);
        ArgumentNullException.ThrowIfNull(aggregations);
        if (neighbors.Count != truth.Count || neighbors.Count == 0)
        {
            throw new ArgumentException("need one true label per query and at least one query");
        }
        var cells = new List<AccuracyCell>();
        foreach (var options in aggregations)
        {
            foreach (var k in ks)
            {
                var correct = 0;
                for (var q = 0; q < neighbors.Count; q++)
                {
                    var take = Math.Min(k, neighbors[q].Length);
                    var result = KnnClassifier.Classify(neighbors[q].AsSpan(0, take), options);
                    correct += result.Label == truth[q] ? 1 : 0;
                }
                cells.Add(new AccuracyCell(options.Kind, k, correct / (double)neighbors.Count));
            }
        }
        return cells;
    }
}
