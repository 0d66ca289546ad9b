using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class InitialPlacementTests
{
    [Theory]
    [InlineData(3, 2, 4, 2)]
    [InlineData(5, 3, 8, 3)]
    [InlineData(7, 4, 5, 2)]
    [InlineData(4, 1, 1, 4)]
    public void One_plan_places_every_replica_balanced_and_never_colocated(int nodes, int memories, int shards, int rf)
    {
        var empty = ClusterState.Empty(nodes, memories, shards, rf);

        var (plan, placed) = PlacementSimulator.Tick(empty);

        Assert.All(plan.Steps, s => Assert.Equal(PlacementStepKind.Add, s.Kind));
        Assert.Equal(memories * shards * rf, plan.Steps.Count);
        Assert.Empty(plan.UnderReplicated);
        PlacementInvariants.NoColocation(placed);
        Assert.InRange(placed.Spread(), 0, 100); // At most one shard's bytes between any two nodes.
        Assert.All(placed.Shards, s => Assert.Equal(rf, placed.Replicas.Count(r => r.Memory == s.Memory && r.Shard == s.Shard)));
    }

    [Fact]
    public void Unequal_shards_go_to_the_node_with_the_fewest_assigned_bytes()
    {
        PlacementNode[] nodes = [new("a", true, false, 0), new("b", true, false, 0)];
        ShardDemand[] shards = [new("m", 0, 1, 300), new("m", 1, 1, 200), new("m", 2, 1, 100)];

        var plan = PlacementPlanner.Plan(nodes, shards, [], PlacementOptions.Default);

        // Largest first: 300 on a, 200 on b, then 100 on b (200 < 300).
        Assert.Equal(["m/0@a", "m/1@b", "m/2@b"], plan.Steps.Select(s => $"{s.Memory}/{s.Shard}@{s.Node}"));
    }

    [Fact]
    public void Reported_bytes_break_ties_between_equally_assigned_nodes()
    {
        PlacementNode[] nodes = [new("a", true, false, 500), new("b", true, false, 10)];

        var plan = PlacementPlanner.Plan(nodes, [new ShardDemand("m", 0, 1, 100)], [], PlacementOptions.Default);

        Assert.Equal("b", Assert.Single(plan.Steps).Node);
    }

    [Fact]
    public void Orphan_replicas_of_shards_no_longer_demanded_are_removed()
    {
        var state = PlacementSimulator.Settle(ClusterState.Empty(3, 1, 2, 2));
        var fewer = state with { Shards = [.. state.Shards.Where(s => s.Shard == 0)] };

        var plan = PlacementPlanner.Plan(fewer.Nodes, fewer.Shards, fewer.Replicas, fewer.Options);

        Assert.Equal(2, plan.Steps.Count);
        Assert.All(plan.Steps, s => Assert.True(s.Kind == PlacementStepKind.Remove && s.Shard == 1));
    }
}
