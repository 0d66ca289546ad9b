using VisualMemory.Core.Statistics;

namespace VisualMemory.Core.Tests;

// Expected values come from an independent pure-Python reference (no scipy on this machine):
// D from exact rational ECDFs at every distinct value, the exact p-value as
// 1 − (lattice paths staying strictly inside |i·m − j·n| < D·n·m) / C(n+m, n) with Python big
// integers and Fractions, and the asymptotic p from 2000 terms of the alternating series.
public class KolmogorovSmirnovTests
{
    [Fact]
    public void Disjoint_samples_have_D_one_and_the_exact_p_two_over_C_10_5()
    {
        var result = KolmogorovSmirnov.TwoSample([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
        Assert.Equal(1.0, result.Statistic);
        // Only the two paths "all a first" and "all b first" reach D = 1: 2 / 252.
        Assert.Equal(1.0 / 126, result.PValue, 12);
        Assert.True(result.IsExact);
    }

    [Fact]
    public void Order_of_the_samples_does_not_matter()
    {
        double[] a = [0.1, 0.5, 0.9];
        double[] b = [0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 1.0];
        var ab = KolmogorovSmirnov.TwoSample(a, b);
        var ba = KolmogorovSmirnov.TwoSample(b, a);
        Assert.Equal(ab, ba);
        Assert.Equal(1.0 / 3, ab.Statistic, 12);
        Assert.Equal(14.0 / 15, ab.PValue, 12);
    }

    [Fact]
    public void Ties_step_both_ECDFs_together()
    {
        // At 2 both CDFs jump to 3/4; stepping one sample past its 2s first would report a gap of 3/4.
        var result = KolmogorovSmirnov.TwoSample([1, 2, 2, 3], [2, 2, 2, 4]);
        Assert.Equal(0.25, result.Statistic, 12);
        Assert.Equal(1.0, result.PValue, 12);
    }

    [Fact]
    public void Input_order_is_irrelevant_because_samples_are_sorted()
    {
        var result = KolmogorovSmirnov.TwoSample([11, 1, 9, 3, 7, 5], [16, 2, 14, 4, 12, 6, 10, 8]);
        Assert.Equal(0.375, result.Statistic, 12);
        Assert.Equal(58.0 / 91, result.PValue, 12);
    }

    [Fact]
    public void Identical_samples_give_D_zero_and_p_one()
    {
        var result = KolmogorovSmirnov.TwoSample([3, 1, 2], [1, 2, 3]);
        Assert.Equal(new KsResult(0, 1, true), result);
    }

    [Fact]
    public void Exact_p_at_the_limit_n_m_10000()
    {
        var a = Enumerable.Range(0, 100).Select(i => i / 100.0).ToArray();
        var near = a.Select(v => v + 0.1).ToArray();
        var far = a.Select(v => v + 0.5).ToArray();
        var shifted = KolmogorovSmirnov.TwoSample(a, near);
        Assert.True(shifted.IsExact);
        Assert.Equal(0.11, shifted.Statistic, 12);
        Assert.Equal(0.5830090612540062, shifted.PValue, 10);
        // A tiny p must not vanish into the cancellation of 1 − P(inside).
        var distant = KolmogorovSmirnov.TwoSample(a, far);
        Assert.Equal(0.51, distant.Statistic, 12);
        Assert.Equal(3.319419024623016e-12, distant.PValue, 1e-22);
    }

    [Fact]
    public void Large_samples_use_the_asymptotic_distribution()
    {
        // n·m = 12000 > 10000; λ = 1.1907 takes the alternating series.
        var a = Enumerable.Range(0, 120).Select(i => i / 120.0).ToArray();
        var b = Enumerable.Range(0, 100).Select(i => 0.15 + i / 100.0).ToArray();
        var result = KolmogorovSmirnov.TwoSample(a, b);
        Assert.False(result.IsExact);
        Assert.Equal(19.0 / 120, result.Statistic, 12);
        Assert.Equal(0.11733545199809844, result.PValue, 10);
    }

    [Fact]
    public void Small_lambda_uses_the_theta_form_with_the_same_value()
    {
        // λ = 0.5891 < 1.18.
        var a = Enumerable.Range(0, 120).Select(i => i / 120.0).ToArray();
        var b = Enumerable.Range(0, 100).Select(i => 0.07 + i / 100.0).ToArray();
        var result = KolmogorovSmirnov.TwoSample(a, b);
        Assert.Equal(47.0 / 600, result.Statistic, 12);
        Assert.Equal(0.8783821660219323, result.PValue, 10);
    }

    [Theory]
    [InlineData(0.5, 0.9639452436648751)]
    [InlineData(1.0, 0.26999967167735456)]
    [InlineData(1.5, 0.022217962616525127)]
    [InlineData(0.0, 1.0)]
    [InlineData(-1.0, 1.0)]
    [InlineData(40.0, 0.0)]
    public void Kolmogorov_Q_matches_the_series(double lambda, double expected)
    {
        Assert.Equal(expected, KolmogorovSmirnov.KolmogorovQ(lambda), 12);
    }

    [Fact]
    public void Empty_or_NaN_samples_are_rejected()
    {
        Assert.Throws<ArgumentException>("a", () => KolmogorovSmirnov.TwoSample([], [1.0]));
        Assert.Throws<ArgumentException>("b", () => KolmogorovSmirnov.TwoSample([1.0], []));
        Assert.Throws<ArgumentException>("a", () => KolmogorovSmirnov.TwoSample([double.NaN], [1.0]));
    }

    [Fact]
    public void Single_values_each_side()
    {
        var apart = KolmogorovSmirnov.TwoSample([1.0], [2.0]);
        Assert.Equal(1.0, apart.Statistic);
        Assert.Equal(1.0, apart.PValue, 12);
        var same = KolmogorovSmirnov.TwoSample([1.0], [1.0]);
        Assert.Equal(0.0, same.Statistic);
    }
}
