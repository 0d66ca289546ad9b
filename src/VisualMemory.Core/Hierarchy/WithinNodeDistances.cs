namespace VisualMemory.Core.Hierarchy;

/// <summary>
/// Builds the reference samples that <see cref="HierarchicalClassifier.KsDescent"/> compares a
/// query against: cosine distances between pairs of one node's own examples.
/// </summary>
public static class WithinNodeDistances
{
    /// <summary>
    /// Cosine distances 1 − cos(x_i, x_j) for up to <paramref name="maxPairs"/> distinct pairs i &lt; j
    /// of the row-major <paramref name="rows"/> (each row is L2-normalised before the dot product).
    /// When there are at most <paramref name="maxPairs"/> pairs, all of them are returned; otherwise
    /// a uniform sample without replacement drawn with <paramref name="seed"/>, so the same input and
    /// seed give the same output. Pairs come in (i, j) lexicographic order. Fewer than two rows give
    /// an empty array.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not positive or <paramref name="maxPairs"/> is negative.</exception>
    /// <exception cref="ArgumentException">The length is not a multiple of the dimension, or a row is zero or not finite.</exception>
    public static double[] PairwiseDistances(ReadOnlySpan<float> rows, int dimension, int maxPairs, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPairs);
        if (rows.Length % dimension != 0)
        {
            throw new ArgumentException($"{rows.Length} values do not form rows of {dimension}", nameof(rows));
        }
        var count = rows.Length / dimension;
        var norms = new double[count];
        for (var r = 0; r < count; r++)
        {
            var row = rows.Slice(r * dimension, dimension);
            double sum = 0;
            foreach (var v in row)
            {
                sum += (double)v * v;
            }
            if (!(sum > 0) || !double.IsFinite(sum))
            {
                throw new ArgumentException($"row {r} is zero or not finite and has no direction", nameof(rows));
            }
            norms[r] = Math.Sqrt(sum);
        }
        var pairs = (long)count * (count - 1) / 2;
        var chosen = ChoosePairs(pairs, maxPairs, seed);
        var distances = new double[chosen.Length];
        // Pair index p enumerates (0,1), (0,2), …, (0,n−1), (1,2), …; walk the sorted indices and
        // move i forward as p passes each row's block of n − i − 1 pairs.
        var i = 0;
        long blockStart = 0;
        for (var k = 0; k < chosen.Length; k++)
        {
            var p = chosen[k];
            while (p >= blockStart + (count - i - 1))
            {
                blockStart += count - i - 1;
                i++;
            }
            var j = i + 1 + (int)(p - blockStart);
            var a = rows.Slice(i * dimension, dimension);
            var b = rows.Slice(j * dimension, dimension);
            double dot = 0;
            for (var d = 0; d < dimension; d++)
            {
                dot += (double)a[d] * b[d];
            }
            distances[k] = 1 - dot / (norms[i] * norms[j]);
        }
        return distances;
    }

    // Floyd's algorithm: exactly `take` draws give a uniform subset without replacement, whatever
    // the ratio of take to total.
    private static long[] ChoosePairs(long total, int maxPairs, int seed)
    {
        if (total <= maxPairs)
        {
            var all = new long[total];
            for (var p = 0; p < all.Length; p++)
            {
                all[p] = p;
            }
            return all;
        }
        var random = new Random(seed);
        var set = new HashSet<long>(maxPairs);
        for (var j = total - maxPairs; j < total; j++)
        {
            var t = random.NextInt64(j + 1);
            set.Add(set.Contains(t) ? j : t);
        }
        var chosen = set.ToArray();
        Array.Sort(chosen);
        return chosen;
    }
}
