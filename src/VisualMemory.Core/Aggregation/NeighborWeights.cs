using VisualMemory.Core.Search;

namespace VisualMemory.Core.Aggregation;

/// <summary>The vote weight w_i of each neighbour, exactly as research.md §1 defines them, times its soft-pruning reliability γ.</summary>
public static class NeighborWeights
{
    /// <summary>
    /// Weights for <paramref name="neighbors"/>, which must be ordered nearest first (index = 0-based rank).
    /// </summary>
    public static double[] Compute(ReadOnlySpan<Neighbor> neighbors, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.Problem();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        var weights = new double[neighbors.Length];
        switch (options.Kind)
        {
            case AggregationKind.Plurality:
                Array.Fill(weights, 1.0);
                break;
            case AggregationKind.Distance:
                for (var i = 0; i < neighbors.Length; i++)
                {
                    weights[i] = Math.Exp(-neighbors[i].Distance);
                }
                break;
            case AggregationKind.Softmax:
                Softmax(neighbors, options.Tau, weights);
                break;
            case AggregationKind.Rank:
                for (var i = 0; i < neighbors.Length; i++)
                {
                    weights[i] = 1.0 / (options.Alpha + i);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown aggregation");
        }
        // Soft pruning scales the finished weight (after softmax normalisation), as research.md §1 states.
        for (var i = 0; i < neighbors.Length; i++)
        {
            weights[i] *= neighbors[i].Reliability;
        }
        return weights;
    }

    // softmax(s/τ) with the maximum subtracted first: τ = 0.07 turns similarities near 1 into
    // exponents near 14, and larger ones overflow quickly without the shift.
    private static void Softmax(ReadOnlySpan<Neighbor> neighbors, double tau, double[] weights)
    {
        if (neighbors.IsEmpty)
        {
            return;
        }
        var max = double.NegativeInfinity;
        foreach (var n in neighbors)
        {
            max = Math.Max(max, n.Similarity / tau);
        }
        double sum = 0;
        for (var i = 0; i < neighbors.Length; i++)
        {
            weights[i] = Math.Exp(neighbors[i].Similarity / tau - max);
            sum += weights[i];
        }
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }
    }
}
