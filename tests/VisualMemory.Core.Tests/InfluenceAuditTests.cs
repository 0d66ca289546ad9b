using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

// Labels A = 0, B = 1, C = 2. Similarities only order the lists; plurality ties go to the nearer label.
public class InfluenceAuditTests
{
    private static readonly AggregationOptions Plurality = new(AggregationKind.Plurality);

    private static Neighbor[] List(params (long Id, int Label)[] items) =>
        [.. items.Select((item, rank) => new Neighbor(item.Id, item.Label, 1f - rank * 0.01f))];

    [Fact]
    public void Finds_the_items_whose_removal_changes_a_prediction()
    {
        // k = 2, one spare each.
        // q0 (A): 1A 2B | 3A → A by tie. Without 1: 2B 3A → B (right to wrong). Without 2: 1A 3A → A.
        // q1 (B): 4A 2B | 5B → A by tie. Without 4: 2B 5B → B (wrong to right). Without 2: 4A 5B → A.
        // q2 (A): 1A 6A | 2B → A. Without 1: 6A 2B → A. Without 6: 1A 2B → A.
        // q3 (B): 1A 7B | 8A → A by tie. Without 1: 7B 8A → B (wrong to right). Without 7: 1A 8A → A.
        Neighbor[][] neighbours =
        [
            List((1, 0), (2, 1), (3, 0)),
            List((4, 0), (2, 1), (5, 1)),
            List((1, 0), (6, 0), (2, 1)),
            List((1, 0), (7, 1), (8, 0)),
        ];
        var result = InfluenceAudit.Run(neighbours, [0, 1, 0, 1], k: 2, Plurality, memorySize: 20);

        Assert.Equal([new ItemInfluence(1, 2, 1, 1), new ItemInfluence(4, 1, 0, 1)], result.Influential);
        Assert.Equal(5, result.DistinctInTopK); // 1, 2, 4, 6, 7: the spares 3, 5, 8 are not candidates
        Assert.Equal(4, result.Queries);
        Assert.Equal(0.1, result.NonPrivateFraction, 12); // 2 / 20
    }

    [Fact]
    public void The_spare_neighbour_moves_into_the_top_k()
    {
        // k = 3, truth B: 1A 2A 3B | 4B → A. Without 1: 2A 3B 4B → B; without the spare it would be 2A 3B, a tie won by A.
        var result = InfluenceAudit.Run([List((1, 0), (2, 0), (3, 1), (4, 1))], [1], k: 3, Plurality, memorySize: 4);
        Assert.Equal([new ItemInfluence(1, 1, 0, 1), new ItemInfluence(2, 1, 0, 1)], result.Influential);
    }

    [Fact]
    public void Rank_voting_is_recomputed_with_the_shifted_ranks()
    {
        // k = 3, truth A: 10A 11B 12B | 13A. Rank: A 1/2, B 1/3 + 1/4 = 7/12 → B.
        // Without 10: 11B 12B 13A → B. Without 11: 10A 12B 13A → A 1/2 + 1/4 beats B 1/3.
        // Without 12: 10A 11B 13A → A 1/2 + 1/4 beats B 1/3.
        var result = InfluenceAudit.Run(
            [List((10, 0), (11, 1), (12, 1), (13, 0))], [0], k: 3, new AggregationOptions(AggregationKind.Rank), memorySize: 4);
        Assert.Equal([new ItemInfluence(11, 1, 0, 1), new ItemInfluence(12, 1, 0, 1)], result.Influential);
    }

    [Fact]
    public void A_change_between_two_wrong_labels_counts_but_is_neither_kind_of_flip()
    {
        // Truth C; k = 2: 1A 2B | 3B → A. Without 1: 2B 3B → B, still wrong.
        var result = InfluenceAudit.Run([List((1, 0), (2, 1), (3, 1))], [2], k: 2, Plurality, memorySize: 3);
        Assert.Equal([new ItemInfluence(1, 1, 0, 0)], result.Influential);
    }

    [Fact]
    public void Nothing_influential_gives_a_zero_fraction()
    {
        var result = InfluenceAudit.Run([List((1, 0), (2, 0), (3, 0))], [0], k: 2, Plurality, memorySize: 3);
        Assert.Empty(result.Influential);
        Assert.Equal(2, result.DistinctInTopK);
        Assert.Equal(0, result.NonPrivateFraction);
    }

    [Fact]
    public void A_memory_smaller_than_k_plus_one_needs_no_spare()
    {
        // Memory of 2, k = 2, truth A: 1A 2B → A by tie. Without 1: 2B → B. Without 2: 1A → A.
        var result = InfluenceAudit.Run([List((1, 0), (2, 1))], [0], k: 2, Plurality, memorySize: 2);
        Assert.Equal([new ItemInfluence(1, 1, 1, 0)], result.Influential);
        Assert.Equal(0.5, result.NonPrivateFraction);
    }

    [Fact]
    public void A_k_beyond_the_memory_audits_the_whole_memory()
    {
        // k exceeds the memory of 3, so all of it votes: 1A 2B 3B → B. Without 2 or 3: a tie won by A.
        var result = InfluenceAudit.Run([List((1, 0), (2, 1), (3, 1))], [1], k: int.MaxValue, Plurality, memorySize: 3);
        Assert.Equal([new ItemInfluence(2, 1, 1, 0), new ItemInfluence(3, 1, 1, 0)], result.Influential);
    }

    [Fact]
    public void Removing_the_only_item_leaves_no_prediction_which_is_a_change()
    {
        var result = InfluenceAudit.Run([List((1, 0))], [0], k: 1, Plurality, memorySize: 1);
        Assert.Equal([new ItemInfluence(1, 1, 1, 0)], result.Influential);
    }

    [Theory]
    [InlineData(AggregationKind.Plurality)]
    [InlineData(AggregationKind.Distance)]
    [InlineData(AggregationKind.Softmax)]
    [InlineData(AggregationKind.Rank)]
    public void Agrees_with_searching_again_without_each_item(AggregationKind kind)
    {
        // Brute force: for every memory item, rebuild the memory without it, search every query
        // again and count the predictions that change.
        const int k = 4;
        var options = new AggregationOptions(kind);
        var random = new Random(7);
        var memory = Enumerable.Range(0, 25).Select(i => (Id: (long)i, Label: random.Next(3), Vector: RandomUnit(random))).ToArray();
        var queries = Enumerable.Range(0, 12).Select(_ => (Label: random.Next(3), Vector: RandomUnit(random))).ToArray();

        Neighbor[] Search((double X, double Y) query, long excluded, int take) =>
            [.. memory.Where(m => m.Id != excluded)
                .Select(m => new Neighbor(m.Id, m.Label, (float)(m.Vector.X * query.X + m.Vector.Y * query.Y)))
                .Order(NeighborOrder.Instance)
                .Take(take)];

        var expected = new List<ItemInfluence>();
        foreach (var item in memory)
        {
            int changed = 0, correctToWrong = 0, wrongToCorrect = 0;
            foreach (var query in queries)
            {
                var before = KnnClassifier.Classify(Search(query.Vector, -1, k), options).Label;
                var after = KnnClassifier.Classify(Search(query.Vector, item.Id, k), options).Label;
                if (before != after)
                {
                    changed++;
                    correctToWrong += before == query.Label && after != query.Label ? 1 : 0;
                    wrongToCorrect += before != query.Label && after == query.Label ? 1 : 0;
                }
            }
            if (changed > 0)
            {
                expected.Add(new ItemInfluence(item.Id, changed, correctToWrong, wrongToCorrect));
            }
        }

        var result = InfluenceAudit.Run(
            [.. queries.Select(q => Search(q.Vector, -1, k + 1))], [.. queries.Select(q => q.Label)], k, options, memory.Length);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.OrderByDescending(e => e.ChangedPredictions).ThenBy(e => e.Id), result.Influential);
    }

    private static (double X, double Y) RandomUnit(Random random)
    {
        var angle = random.NextDouble() * 2 * Math.PI;
        return (Math.Cos(angle), Math.Sin(angle));
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Neighbor[][] one = [List((1, 0), (2, 1), (3, 1))];
        // No spare while the memory has more items than k.
        Assert.Throws<ArgumentException>(() => InfluenceAudit.Run([List((1, 0), (2, 1))], [0], k: 2, Plurality, memorySize: 5));
        Assert.Throws<ArgumentException>(() => InfluenceAudit.Run(one, [0, 1], k: 2, Plurality, memorySize: 5));
        Assert.Throws<ArgumentException>(() => InfluenceAudit.Run([], [], k: 2, Plurality, memorySize: 5));
        Assert.Throws<ArgumentException>(() => InfluenceAudit.Run([null!], [0], k: 2, Plurality, memorySize: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => InfluenceAudit.Run(one, [0], k: 0, Plurality, memorySize: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => InfluenceAudit.Run(one, [0], k: 2, Plurality, memorySize: 0));
        // Four distinct items in the top k of a memory said to hold two.
        Assert.Throws<ArgumentOutOfRangeException>(() => InfluenceAudit.Run(
            [List((1, 0), (2, 1)), List((3, 0), (4, 1))], [0, 0], k: 2, Plurality, memorySize: 2));
        Assert.Throws<ArgumentException>(() => InfluenceAudit.Run(one, [0], k: 2, new AggregationOptions(AggregationKind.Rank, Alpha: 0), memorySize: 5));
    }
}
