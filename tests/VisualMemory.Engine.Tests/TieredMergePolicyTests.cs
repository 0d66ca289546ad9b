namespace VisualMemory.Engine.Tests;

public class TieredMergePolicyTests
{
    private static readonly TieredMergePolicy Policy = new(FanIn: 4, FloorRows: 100, MaxRows: 10_000);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(99, 0)]
    [InlineData(100, 1)]
    [InlineData(399, 1)]
    [InlineData(400, 2)]
    [InlineData(1_599, 2)]
    [InlineData(1_600, 3)]
    public void Tiers_grow_by_the_fan_in_above_the_floor(long rows, int tier) => Assert.Equal(tier, Policy.Tier(rows));

    [Fact]
    public void The_lowest_tier_with_a_full_fan_in_merges_its_smallest()
    {
        // Tier 1: 150, 120, 300, 200, 110 (five); tier 0: 50, 60 (two, not enough); tier 2: 500.
        long[] rows = [150, 50, 120, 500, 300, 60, 200, 110];
        Assert.Equal([7, 2, 0, 6], Policy.Choose(rows));
    }

    [Fact]
    public void Nothing_merges_below_the_fan_in_or_beyond_the_row_cap()
    {
        Assert.Empty(Policy.Choose([150, 120, 300]));
        Assert.Empty(Policy.Choose([]));
        // Four of tier 3 would make 12,000 rows: over the cap; four of tier 0 still merge.
        Assert.Equal([4, 5, 6, 7], Policy.Choose([3_000, 3_000, 3_000, 3_000, 10, 20, 30, 40]));
        Assert.Empty(Policy.Choose([3_000, 3_000, 3_000, 3_000]));
    }

    [Fact]
    public void Repeated_merges_of_equal_chunks_keep_fewer_than_the_fan_in_per_tier()
    {
        var segments = new List<long>();
        var rewritten = 0L;
        for (var chunk = 0; chunk < 256; chunk++)
        {
            segments.Add(100);
            IReadOnlyList<int> pick;
            while ((pick = Policy.Choose(segments)).Count > 0)
            {
                var sum = pick.Sum(i => segments[i]);
                rewritten += sum;
                foreach (var i in pick.OrderDescending())
                {
                    segments.RemoveAt(i);
                }
                segments.Add(sum);
            }
            Assert.All(segments.Where(s => s < 6_400).GroupBy(Policy.Tier), tier => Assert.InRange(tier.Count(), 1, 3));
        }
        // 256 chunks of 100 rows: 25,600 rows; capped at 10,000 rows a segment, so 6,400-row segments stop growing.
        Assert.Equal(25_600, segments.Sum());
        Assert.Equal(4, segments.Count);
        // Each row was rewritten once per tier it climbed (three tiers), not once per chunk.
        Assert.Equal(3 * 25_600, rewritten);
    }
}
