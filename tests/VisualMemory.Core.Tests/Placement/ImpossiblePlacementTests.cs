using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class ImpossiblePlacementTests
{
    [Fact]
    public void A_factor_above_the_live_node_count_is_reported_and_what_fits_is_placed()
    {
        var state = ClusterState.Empty(3, 1, 4, 3).Kill(ClusterState.NodeName(2));

        var (plan, after) = PlacementSimulator.Tick(state);

        Assert.Equal(8, plan.Steps.Count); // 4 shards x 2 live nodes.
        PlacementInvariants.AddsOnlyToEligible(plan, state);
        PlacementInvariants.NoColocation(after);
        Assert.Equal(4, plan.UnderReplicated.Count);
        Assert.All(plan.UnderReplicated, s =>
        {
            Assert.Equal((3, 2, 2), (s.ReplicationFactor, s.Replicas, s.EligibleNodes));
            Assert.Contains("only 2 node(s)", s.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void No_live_nodes_means_no_steps_and_every_shard_reported()
    {
        var state = ClusterState.Empty(2, 1, 3, 1).Kill(ClusterState.NodeName(0)).Kill(ClusterState.NodeName(1));

        var plan = PlacementPlanner.Plan(state.Nodes, state.Shards, state.Replicas, state.Options);

        Assert.True(plan.IsEmpty);
        Assert.Equal(3, plan.UnderReplicated.Count);
    }

    [Fact]
    public void Draining_below_the_factor_still_empties_the_node_keeping_what_it_can()
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(3, 1, 3, 3));
        var drained = settled.Drain(ClusterState.NodeName(0));

        var (final, _) = PlacementSimulator.Run(drained, 20, PlacementInvariants.Safe);

        Assert.Empty(final.On(ClusterState.NodeName(0)));
        Assert.All(final.Shards, s => Assert.Equal(2, final.Ready(s)));
    }

    [Fact]
    public void Malformed_input_is_an_argument_error()
    {
        PlacementNode[] twice = [new("a", true, false, 0), new("a", true, false, 0)];
        Assert.Throws<ArgumentException>(() => PlacementPlanner.Plan(twice, [], [], PlacementOptions.Default));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlacementPlanner.Plan([], [new ShardDemand("m", 0, 0, 1)], [], PlacementOptions.Default));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlacementPlanner.Plan([], [], [], new PlacementOptions { MaxConcurrentMoves = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlacementPlanner.Plan([], [], [], new PlacementOptions { ImbalanceTolerance = 1 }));
    }
}
