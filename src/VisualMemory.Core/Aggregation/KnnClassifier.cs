using VisualMemory.Core.Search;

namespace VisualMemory.Core.Aggregation;

/// <summary>Turns a query's neighbours into a prediction: per label, sum the weights; the largest sum wins.</summary>
public static class KnnClassifier
{
    /// <summary>
    /// Aggregates <paramref name="neighbors"/> (nearest first). Ties between labels go to the label
    /// whose first vote came from the nearer neighbour, so the result is deterministic.
    /// </summary>
    public static Classification Classify(ReadOnlySpan<Neighbor> neighbors, AggregationOptions options)
    {
        var weights = NeighborWeights.Compute(neighbors, options);
        // Labels in order of first appearance: a stable order that also encodes the tie-break.
        var scores = new List<LabelScore>();
        var slotOf = new Dictionary<int, int>();
        double total = 0;
        for (var i = 0; i < neighbors.Length; i++)
        {
            var label = neighbors[i].Label;
            if (!slotOf.TryGetValue(label, out var slot))
            {
                slot = scores.Count;
                slotOf.Add(label, slot);
                scores.Add(new LabelScore(label, 0));
            }
            scores[slot] = scores[slot] with { Score = scores[slot].Score + weights[i] };
            total += weights[i];
        }
        if (scores.Count == 0)
        {
            return new Classification(null, 0, [], weights);
        }
        // A stable sort keeps first-appearance order among equal scores.
        var ranked = scores.OrderByDescending(s => s.Score).ToArray();
        return new Classification(ranked[0].Label, ranked[0].Score / total, ranked, weights);
    }
}
