using VisualMemory.Core.Pruning;

namespace VisualMemory.Core.Tests;

public class PruningTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 0.875)]          // 1.75 / 2
    [InlineData(10, 0.159090909)]   // 1.75 / 11
    [InlineData(100, 0.017326733)]  // 1.75 / 101
    public void Soft_pruning_gamma_matches_the_paper(int v, double expected) =>
        Assert.Equal(expected, SoftPruning.Paper.Gamma(v), 1e-9);

    [Fact]
    public void Soft_pruning_is_capped_at_one_and_pins_zero_to_one()
    {
        // c = 2, d = 1: the formula alone would give 1/2 at v = 0.
        var gentle = new SoftPruning(c: 2, d: 1);
        Assert.Equal(1.0, gentle.Gamma(0));
        Assert.Equal(1.0 / 3, gentle.Gamma(1), 1e-12);
        // c = 1, d = 5: 5/2 and 5/4 are capped, 5/6 is not.
        var loose = new SoftPruning(c: 1, d: 5);
        Assert.Equal(1.0, loose.Gamma(1));
        Assert.Equal(1.0, loose.Gamma(3));
        Assert.Equal(5.0 / 6, loose.Gamma(5), 1e-12);
    }

    [Theory]
    [InlineData(0, 1.75)]
    [InlineData(-1, 1.75)]
    [InlineData(1, 0)]
    [InlineData(1, double.NaN)]
    [InlineData(double.PositiveInfinity, 1.75)]
    public void Soft_pruning_parameters_must_be_positive(double c, double d) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftPruning(c, d));

    [Fact]
    public void Soft_pruning_refuses_negative_counts() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftPruning.Paper.Gamma(-1));

    [Fact]
    public void Soft_pruning_reliabilities_cover_every_counted_id()
    {
        var reliabilities = SoftPruning.Paper.Reliabilities(new Dictionary<long, int> { [5] = 1, [6] = 0, [7] = 10 });
        Assert.Equal(3, reliabilities.Count);
        Assert.Equal(0.875f, reliabilities[5]);
        Assert.Equal(1f, reliabilities[6]);
        Assert.Equal((float)(1.75 / 11), reliabilities[7]);
    }

    // Memory of 1,000: the paper's fraction allows floor(1000 · 26257 / 1281167) = floor(20.49) = 20 removals.
    private static Dictionary<long, int> Counts(params (int HowMany, int V)[] groups)
    {
        var counts = new Dictionary<long, int>();
        foreach (var (howMany, v) in groups)
        {
            for (var i = 0; i < howMany; i++)
            {
                counts[counts.Count] = v;
            }
        }
        return counts;
    }

    [Fact]
    public void Auto_threshold_removes_at_most_the_papers_fraction()
    {
        // 20 samples at v = 9, 5 at 5, 100 at 1: t = 6 selects 20; t = 5 would select 25.
        var counts = Counts((20, 9), (5, 5), (100, 1));
        Assert.Equal(6, HardPruning.AutoThreshold(counts, 1000));
        Assert.Equal(20, HardPruning.Select(counts, 6).Count);
    }

    [Fact]
    public void Auto_threshold_never_goes_below_two()
    {
        Assert.Equal(2, HardPruning.AutoThreshold(Counts((30, 1)), 1000));
        Assert.Equal(2, HardPruning.AutoThreshold(Counts((5, 1)), 1000));
        Assert.Equal(2, HardPruning.AutoThreshold(new Dictionary<long, int>(), 0));
    }

    [Fact]
    public void Auto_threshold_never_goes_above_the_papers_128()
    {
        Assert.Equal(128, HardPruning.AutoThreshold(Counts((30, 500)), 1000));
        // 20 at v = 500 fit the allowance; the 21st, at 100, sets t = 101, under the cap.
        Assert.Equal(101, HardPruning.AutoThreshold(Counts((20, 500), (1, 100)), 1000));
    }

    [Fact]
    public void Auto_threshold_at_the_papers_size_allows_exactly_the_papers_26257()
    {
        // 26,257 samples at v = 3 are allowed, so t = 3; one fewer allowed (a rounding slip) would give 4.
        var counts = Counts((26_257, 3), (1, 2));
        Assert.Equal(3, HardPruning.AutoThreshold(counts, HardPruning.PaperMemorySize));
    }

    [Fact]
    public void Auto_threshold_ignores_zero_counts_and_checks_its_inputs()
    {
        Assert.Equal(2, HardPruning.AutoThreshold(Counts((50, 0)), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => HardPruning.AutoThreshold(Counts((11, 1)), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => HardPruning.AutoThreshold(Counts((1, -1)), 10));
        Assert.Throws<ArgumentNullException>(() => HardPruning.AutoThreshold(null!, 10));
    }

    [Fact]
    public void An_explicit_threshold_wins_over_the_automatic_one()
    {
        var counts = Counts((20, 9), (5, 5), (100, 1));
        Assert.Equal(50, HardPruning.ResolveThreshold(50, counts, 1000));
        Assert.Equal(6, HardPruning.ResolveThreshold(null, counts, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => HardPruning.ResolveThreshold(0, counts, 1000));
    }

    [Fact]
    public void Select_returns_ids_at_or_over_the_threshold_in_id_order()
    {
        var counts = new Dictionary<long, int> { [40] = 128, [3] = 127, [17] = 300, [-5] = 128 };
        Assert.Equal([-5L, 17, 40], HardPruning.Select(counts, 128));
        Assert.Empty(HardPruning.Select(counts, 301));
        Assert.Throws<ArgumentOutOfRangeException>(() => HardPruning.Select(counts, 0));
    }

    [Fact]
    public void Top_offenders_sort_by_count_then_id_and_skip_zero_counts()
    {
        var counts = new Dictionary<long, int> { [5] = 3, [2] = 7, [9] = 3, [4] = 0, [1] = 1 };
        Assert.Equal(
            [new PruneOffender(2, null, 7), new PruneOffender(5, null, 3), new PruneOffender(9, null, 3)],
            PruneOffender.TopOffenders(counts, 3));
        Assert.Equal(4, PruneOffender.TopOffenders(counts, 10).Count);
        Assert.Empty(PruneOffender.TopOffenders(counts, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PruneOffender.TopOffenders(counts, -1));
    }

    [Fact]
    public void Top_offenders_carry_labels_when_asked()
    {
        var counts = new Dictionary<long, int> { [5] = 3, [2] = 7 };
        var top = PruneOffender.TopOffenders(counts, 2, id => id == 2 ? 4 : null);
        Assert.Equal([new PruneOffender(2, 4, 7), new PruneOffender(5, null, 3)], top);
    }
}
