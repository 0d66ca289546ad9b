namespace VisualMemory.Core.Statistics;

/// <summary>
/// The two-sample Kolmogorov–Smirnov test (two-sided), used by hierarchical classification
/// (research.md §1) to ask whether a query's distances to a node's examples look like the
/// distances among those examples.
/// </summary>
public static class KolmogorovSmirnov
{
    /// <summary>
    /// Largest n·m for which the p-value is computed exactly; above it the asymptotic
    /// distribution is used. The exact computation costs O(n·m) time.
    /// </summary>
    public const long ExactLimit = 10_000;

    /// <summary>
    /// Tests whether <paramref name="a"/> and <paramref name="b"/> come from the same distribution.
    /// Tied values step both empirical CDFs together, so equal values never open a gap.
    /// The p-value is exact (lattice-path probability under the null) when n·m ≤ <see cref="ExactLimit"/>,
    /// otherwise Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²) with λ = (√nₑ + 0.12 + 0.11/√nₑ)·D and
    /// nₑ = n·m / (n + m); it is clamped into [0, 1].
    /// </summary>
    /// <exception cref="ArgumentException">A sample is empty or contains NaN.</exception>
    public static KsResult TwoSample(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var x = SortedCopy(a, nameof(a));
        var y = SortedCopy(b, nameof(b));
        long n = x.Length;
        long m = y.Length;
        // Work with the integer gap |i·m − j·n| = n·m·|F_a − F_b| so the exact path count can
        // compare against it without rounding.
        var gap = LargestGap(x, y);
        var statistic = gap / ((double)n * m);
        if (gap == 0)
        {
            return new KsResult(0, 1, n * m <= ExactLimit);
        }
        if (n * m <= ExactLimit)
        {
            return new KsResult(statistic, Clamp(ExactPValue((int)n, (int)m, gap)), true);
        }
        var ne = (double)n * m / (n + m);
        var root = Math.Sqrt(ne);
        var lambda = (root + 0.12 + 0.11 / root) * statistic;
        return new KsResult(statistic, Clamp(KolmogorovQ(lambda)), false);
    }

    /// <summary>
    /// The Kolmogorov survival function Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²), i.e. the
    /// limiting probability that √n·D exceeds λ; 1 for λ ≤ 0.
    /// </summary>
    public static double KolmogorovQ(double lambda)
    {
        if (double.IsNaN(lambda))
        {
            return double.NaN;
        }
        if (lambda <= 0)
        {
            return 1;
        }
        // The alternating series converges slowly for small λ; there the Jacobi-theta form of the
        // same function, 1 − (√(2π)/λ) Σ exp(−(2j−1)² π² / (8λ²)), converges in a few terms.
        if (lambda < 1.18)
        {
            var inverse = Math.PI * Math.PI / (8 * lambda * lambda);
            double theta = 0;
            for (var j = 1; j <= 20; j++)
            {
                var odd = 2 * j - 1;
                var term = Math.Exp(-odd * odd * inverse);
                theta += term;
                if (term < 1e-17 * theta)
                {
                    break;
                }
            }
            return Clamp(1 - Math.Sqrt(2 * Math.PI) / lambda * theta);
        }
        double sum = 0;
        var sign = 1.0;
        for (var j = 1; j <= 100; j++)
        {
            var term = Math.Exp(-2.0 * j * j * lambda * lambda);
            sum += sign * term;
            if (term < 1e-17 * Math.Abs(sum))
            {
                break;
            }
            sign = -sign;
        }
        return Clamp(2 * sum);
    }

    private static double[] SortedCopy(ReadOnlySpan<double> sample, string name)
    {
        if (sample.IsEmpty)
        {
            throw new ArgumentException("the sample is empty", name);
        }
        var copy = sample.ToArray();
        foreach (var v in copy)
        {
            if (double.IsNaN(v))
            {
                throw new ArgumentException("the sample contains NaN", name);
            }
        }
        Array.Sort(copy);
        return copy;
    }

    private static long LargestGap(double[] x, double[] y)
    {
        long n = x.Length;
        long m = y.Length;
        long i = 0;
        long j = 0;
        long gap = 0;
        // Once one sample is used up its CDF is 1 and the gap only shrinks, so stopping there is enough.
        while (i < n && j < m)
        {
            var value = Math.Min(x[i], y[j]);
            while (i < n && x[i] == value)
            {
                i++;
            }
            while (j < m && y[j] == value)
            {
                j++;
            }
            gap = Math.Max(gap, Math.Abs(i * m - j * n));
        }
        return gap;
    }

    // Under the null every interleaving of the two sorted samples is equally likely: a monotone
    // lattice path from (0,0) to (n,m). The p-value is the probability that the path reaches a
    // cell with |i·m − j·n| ≥ gap. Walking the path one draw at a time (draw from a with
    // probability (n−i)/(remaining)) gives that probability as a sum of first-exit probabilities,
    // which avoids both huge path counts and the cancellation of 1 − P(inside) for tiny p.
    private static double ExactPValue(int n, int m, long gap)
    {
        var previous = new double[m + 1];
        var current = new double[m + 1];
        double exited = 0;
        for (var i = 0; i <= n; i++)
        {
            for (var j = 0; j <= m; j++)
            {
                double arriving;
                if (i == 0 && j == 0)
                {
                    arriving = 1;
                }
                else
                {
                    arriving = 0;
                    if (i > 0)
                    {
                        arriving += previous[j] * (n - i + 1) / (n - i + 1 + m - j);
                    }
                    if (j > 0)
                    {
                        arriving += current[j - 1] * (m - j + 1) / (n - i + m - j + 1);
                    }
                }
                if (Math.Abs((long)i * m - (long)j * n) >= gap)
                {
                    exited += arriving;
                    current[j] = 0;
                }
                else
                {
                    current[j] = arriving;
                }
            }
            (previous, current) = (current, previous);
        }
        return exited;
    }

    private static double Clamp(double p) => Math.Clamp(p, 0.0, 1.0);
}
