using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class RebalanceTests
{
    [Theory]
    [InlineData(3, 2, 6, 2, 1)]
    [InlineData(4, 3, 5, 2, 2)]
    [InlineData(5, 2, 8, 3, 3)]
    public void A_new_empty_node_is_filled_within_the_move_budget(int nodes, int memories, int shards, int rf, int budget)
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(nodes, memories, shards, rf));
        var grown = settled.AddNode("zz-new") with
        {
            Options = PlacementOptions.Default with { Rebalance = true, MaxConcurrentMoves = budget, ImbalanceTolerance = 0 },
        };
        Assert.True(grown.Spread() > 100);

        var (final, _) = PlacementSimulator.Run(grown, 200, (plan, before, after) =>
        {
            PlacementInvariants.Safe(plan, before, after);
            Assert.All(after.Shards, s => Assert.True(after.Ready(s) >= rf));
            Assert.True(after.Replicas.Count(r => r.State == ReplicaState.Loading) <= budget, "more moves in flight than the budget");
        });

        Assert.InRange(final.Spread(), 0, 100);
        Assert.NotEmpty(final.On("zz-new"));
    }

    [Fact]
    public void Without_the_rebalance_option_nothing_moves()
    {
        var grown = PlacementSimulator.Settle(ClusterState.Empty(3, 1, 6, 2)).AddNode("zz-new");

        Assert.True(PlacementPlanner.Plan(grown.Nodes, grown.Shards, grown.Replicas, grown.Options).IsEmpty);
    }

    [Fact]
    public void Imbalance_within_tolerance_is_left_alone()
    {
        PlacementNode[] nodes = [new("a", true, false, 0), new("b", true, false, 0)];
        ShardDemand[] shards = [new("m", 0, 1, 100), new("m", 1, 1, 100), new("m", 2, 1, 10)];
        ReplicaAssignment[] current = [new("m", 0, "a", ReplicaState.Ready), new("m", 2, "a", ReplicaState.Ready), new("m", 1, "b", ReplicaState.Ready)];

        // a = 110, b = 100: moving m/2 lowers the spread from 10 to 10; nothing to gain.
        Assert.True(PlacementPlanner.Plan(nodes, shards, current, new PlacementOptions { Rebalance = true }).IsEmpty);
        // a = 210, b = 0 after b empties: moving m/1 off a is worth it.
        ReplicaAssignment[] lopsided = [new("m", 0, "a", ReplicaState.Ready), new("m", 1, "a", ReplicaState.Ready), new("m", 2, "a", ReplicaState.Ready)];
        var plan = PlacementPlanner.Plan(nodes, shards, lopsided, new PlacementOptions { Rebalance = true, ImbalanceTolerance = 0.5 });
        var add = Assert.Single(plan.Steps);
        Assert.Equal((PlacementStepKind.Add, "b", 0), (add.Kind, add.Node, add.Shard));
        Assert.Contains("rebalance", add.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_completed_move_drops_the_extra_replica_on_the_most_loaded_node()
    {
        PlacementNode[] nodes = [new("a", true, false, 0), new("b", true, false, 0)];
        ShardDemand[] shards = [new("m", 0, 1, 100), new("m", 1, 1, 100)];
        ReplicaAssignment[] current = [new("m", 0, "a", ReplicaState.Ready), new("m", 1, "a", ReplicaState.Ready), new("m", 1, "b", ReplicaState.Ready)];

        var plan = PlacementPlanner.Plan(nodes, shards, current, PlacementOptions.Default);

        var step = Assert.Single(plan.Steps);
        Assert.Equal((PlacementStepKind.MarkDraining, "a", 1), (step.Kind, step.Node, step.Shard));
        Assert.Contains("over-replicated", step.Reason, StringComparison.Ordinal);
    }
}
