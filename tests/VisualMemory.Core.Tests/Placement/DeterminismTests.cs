using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class DeterminismTests
{
    [Fact]
    public void The_same_snapshot_gives_the_same_plan_whatever_the_input_order()
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(6, 3, 5, 2));
        var messy = settled.Kill(ClusterState.NodeName(1)).Drain(ClusterState.NodeName(3)).AddNode("fresh") with
        {
            Options = PlacementOptions.Default with { Rebalance = true },
        };

        var a = PlacementPlanner.Plan(messy.Nodes, messy.Shards, messy.Replicas, messy.Options);
        var b = PlacementPlanner.Plan(messy.Nodes, messy.Shards, messy.Replicas, messy.Options);
        var shuffled = PlacementPlanner.Plan([.. messy.Nodes.Reverse()], [.. messy.Shards.Reverse()], [.. messy.Replicas.Reverse()], messy.Options);

        Assert.NotEmpty(a.Steps);
        foreach (var other in new[] { b, shuffled })
        {
            Assert.Equal(a.Steps, other.Steps);
            Assert.Equal(a.UnderReplicated, other.UnderReplicated);
            Assert.Equal(a.Notes, other.Notes);
            Assert.Equal(a.PendingMoves, other.PendingMoves);
        }
    }
}
