using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

// Labels A = 0, B = 1. Each case lists the query sample's own entry where a k + 1 search would put it.
public class WrongContributionCounterTests
{
    private static readonly AggregationOptions Plurality = new(AggregationKind.Plurality);
    private static readonly AggregationOptions Rank = new(AggregationKind.Rank);

    // Sample 1 (A) retrieves itself, then B, B, A: plurality over the last three says B.
    private static readonly Neighbor[] MisledA = [new(1, 0, 1.0f), new(2, 1, 0.9f), new(3, 1, 0.8f), new(4, 0, 0.7f)];

    [Fact]
    public void A_misclassified_query_blames_the_neighbours_that_voted_for_the_wrong_label()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3);
        var result = counter.Add(1, 0, MisledA);
        Assert.Equal(1, result.Label);
        Assert.Equal(new Dictionary<long, int> { [2] = 1, [3] = 1 }, counter.Counts);
        Assert.Equal(1, counter.QueriesSeen);
        Assert.Equal(1, counter.Misclassified);
    }

    [Fact]
    public void Counting_all_neighbours_also_blames_those_that_voted_for_the_true_label()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3, countAllNeighbours: true);
        counter.Add(1, 0, MisledA);
        Assert.Equal(new Dictionary<long, int> { [2] = 1, [3] = 1, [4] = 1 }, counter.Counts);
    }

    [Fact]
    public void A_correct_query_blames_nobody()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3, countAllNeighbours: true);
        counter.Add(1, 1, MisledA);
        Assert.Empty(counter.Counts);
        Assert.Equal(1, counter.QueriesSeen);
        Assert.Equal(0, counter.Misclassified);
    }

    [Fact]
    public void The_sample_itself_is_dropped_by_id_even_when_a_duplicate_comes_first()
    {
        // Item 9 (B) is an exact duplicate of sample 1 with a smaller id, so it is listed first.
        // Dropping position 0 blindly would leave 1 (A) and 2 (A) voting: a correct prediction.
        // Dropping by id leaves 9 (B) and 2 (A): a 1–1 tie that the nearer B wins.
        Neighbor[] neighbours = [new(9, 1, 1.0f), new(1, 0, 1.0f), new(2, 0, 0.9f), new(3, 1, 0.8f)];
        var counter = new WrongContributionCounter(Plurality, k: 2);
        var result = counter.Add(1, 0, neighbours);
        Assert.Equal(1, result.Label);
        Assert.Equal(new Dictionary<long, int> { [9] = 1 }, counter.Counts);
    }

    [Fact]
    public void Without_its_own_id_the_first_k_neighbours_vote()
    {
        // k = 2: items 2 and 3 (B) vote; item 4 (A) is the spare and is ignored.
        Neighbor[] neighbours = [new(2, 1, 0.9f), new(3, 1, 0.8f), new(4, 0, 0.7f)];
        var counter = new WrongContributionCounter(Plurality, k: 2, countAllNeighbours: true);
        counter.Add(1, 0, neighbours);
        Assert.Equal(new Dictionary<long, int> { [2] = 1, [3] = 1 }, counter.Counts);
    }

    [Fact]
    public void The_aggregation_decides_what_is_misclassified()
    {
        // After the sample: A, A, B, B, B. Rank: A = 1/2 + 1/3 = 0.833 beats B = 1/4 + 1/5 + 1/6 = 0.617;
        // plurality: B wins 3–2.
        Neighbor[] neighbours = [new(1, 0, 1f), new(2, 0, 0.9f), new(3, 0, 0.8f), new(4, 1, 0.7f), new(5, 1, 0.6f), new(6, 1, 0.5f)];
        var rank = new WrongContributionCounter(Rank, k: 5);
        var plurality = new WrongContributionCounter(Plurality, k: 5);
        rank.Add(1, 0, neighbours);
        plurality.Add(1, 0, neighbours);
        Assert.Empty(rank.Counts);
        Assert.Equal(new Dictionary<long, int> { [4] = 1, [5] = 1, [6] = 1 }, plurality.Counts);
    }

    [Fact]
    public void A_k_beyond_the_list_lets_every_other_neighbour_vote()
    {
        var counter = new WrongContributionCounter(Plurality, k: int.MaxValue);
        counter.Add(1, 0, MisledA);
        Assert.Equal(new Dictionary<long, int> { [2] = 1, [3] = 1 }, counter.Counts);
    }

    [Fact]
    public void Blame_accumulates_over_queries()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3);
        counter.Add(1, 0, MisledA);
        counter.Add(7, 0, [new(7, 0, 1f), new(2, 1, 0.9f), new(5, 1, 0.8f), new(4, 0, 0.7f)]);
        Assert.Equal(new Dictionary<long, int> { [2] = 2, [3] = 1, [5] = 1 }, counter.Counts);
        Assert.Equal(2, counter.Misclassified);
    }

    [Fact]
    public void A_query_with_no_other_neighbour_is_seen_but_not_misclassified()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3);
        var result = counter.Add(1, 0, [new(1, 0, 1f)]);
        Assert.Null(result.Label);
        Assert.Equal(1, counter.QueriesSeen);
        Assert.Equal(0, counter.Misclassified);
        Assert.Empty(counter.Counts);
    }

    [Fact]
    public void Merging_shard_partials_equals_counting_everything_in_one_place()
    {
        (long Id, int Label, Neighbor[] Neighbours)[] queries =
        [
            (1, 0, MisledA),
            (7, 0, [new(7, 0, 1f), new(2, 1, 0.9f), new(5, 1, 0.8f), new(4, 0, 0.7f)]),
            (8, 1, [new(8, 1, 1f), new(3, 0, 0.9f), new(4, 0, 0.8f), new(2, 1, 0.7f)]),
            (9, 1, [new(9, 1, 1f), new(2, 1, 0.9f), new(5, 1, 0.8f), new(4, 0, 0.7f)]),
        ];
        var whole = new WrongContributionCounter(Plurality, k: 3);
        var shardA = new WrongContributionCounter(Plurality, k: 3);
        var shardB = new WrongContributionCounter(Plurality, k: 3);
        for (var i = 0; i < queries.Length; i++)
        {
            whole.Add(queries[i].Id, queries[i].Label, queries[i].Neighbours);
            (i % 2 == 0 ? shardA : shardB).Add(queries[i].Id, queries[i].Label, queries[i].Neighbours);
        }
        var shardBCounts = new Dictionary<long, int>(shardB.Counts);

        shardA.Merge(shardB);

        Assert.Equal(new Dictionary<long, int> { [2] = 2, [3] = 2, [4] = 1, [5] = 1 }, whole.Counts);
        Assert.Equal(whole.Counts, shardA.Counts);
        Assert.Equal(4, shardA.QueriesSeen);
        Assert.Equal(3, shardA.Misclassified);
        Assert.Equal(shardBCounts, shardB.Counts);
    }

    [Fact]
    public void Counters_with_different_settings_or_the_same_counter_do_not_merge()
    {
        var counter = new WrongContributionCounter(Plurality, k: 3);
        Assert.Throws<ArgumentException>(() => counter.Merge(new WrongContributionCounter(Rank, k: 3)));
        Assert.Throws<ArgumentException>(() => counter.Merge(new WrongContributionCounter(Plurality, k: 4)));
        Assert.Throws<ArgumentException>(() => counter.Merge(new WrongContributionCounter(Plurality, k: 3, countAllNeighbours: true)));
        Assert.Throws<ArgumentException>(() => counter.Merge(counter));
        Assert.Throws<ArgumentNullException>(() => counter.Merge(null!));
        counter.Merge(new WrongContributionCounter(new AggregationOptions(AggregationKind.Plurality), k: 3));
    }

    [Fact]
    public void Unusable_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WrongContributionCounter(Plurality, k: 0));
        Assert.Throws<ArgumentException>(() => new WrongContributionCounter(new AggregationOptions(AggregationKind.Softmax, Tau: 0)));
        Assert.Throws<ArgumentNullException>(() => new WrongContributionCounter(null!));
        Assert.Equal(100, new WrongContributionCounter(Rank).K);
    }
}
