using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class DrainTests
{
    [Theory]
    [InlineData(4, 3, 6, 2, 1)]
    [InlineData(4, 3, 6, 2, 3)]
    [InlineData(5, 2, 8, 3, 2)]
    public void Draining_a_node_empties_it_while_every_shard_keeps_its_factor_ready(int nodes, int memories, int shards, int rf, int budget)
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(nodes, memories, shards, rf));
        var drained = ClusterState.NodeName(1);
        var start = settled.Drain(drained) with { Options = PlacementOptions.Default with { MaxConcurrentMoves = budget } };

        var (final, ticks) = PlacementSimulator.Run(start, 100, (plan, before, after) =>
        {
            PlacementInvariants.Safe(plan, before, after);
            Assert.All(after.Shards, s => Assert.True(after.Ready(s) >= rf, $"{s.Memory}/{s.Shard} below RF"));
            // Voluntary moves never exceed the budget.
            Assert.True(after.Replicas.Count(r => r.State == ReplicaState.Loading) <= budget);
        });

        Assert.Empty(final.On(drained));
        Assert.All(final.Shards, s => Assert.Equal(rf, final.Ready(s)));
        Assert.True(ticks > 2);
    }

    [Fact]
    public void The_old_replica_stops_serving_only_after_its_replacement_is_ready()
    {
        PlacementNode[] nodes = [new("a", true, true, 0), new("b", true, false, 0)];
        ShardDemand[] shards = [new("m", 0, 1, 10)];

        var first = PlacementPlanner.Plan(nodes, shards, [new("m", 0, "a", ReplicaState.Ready)], PlacementOptions.Default);
        var loading = PlacementPlanner.Plan(nodes, shards, [new("m", 0, "a", ReplicaState.Ready), new("m", 0, "b", ReplicaState.Loading)], PlacementOptions.Default);
        var ready = PlacementPlanner.Plan(nodes, shards, [new("m", 0, "a", ReplicaState.Ready), new("m", 0, "b", ReplicaState.Ready)], PlacementOptions.Default);
        var drainingOld = PlacementPlanner.Plan(nodes, shards, [new("m", 0, "a", ReplicaState.Draining), new("m", 0, "b", ReplicaState.Ready)], PlacementOptions.Default);

        Assert.Equal((PlacementStepKind.Add, "b"), Single(first));
        Assert.True(loading.IsEmpty);
        Assert.Equal((PlacementStepKind.MarkDraining, "a"), Single(ready));
        Assert.Equal((PlacementStepKind.Remove, "a"), Single(drainingOld));
    }

    [Fact]
    public void Draining_every_node_keeps_the_replicas_serving()
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(2, 1, 2, 1));
        var all = settled.Drain(ClusterState.NodeName(0)).Drain(ClusterState.NodeName(1));

        var plan = PlacementPlanner.Plan(all.Nodes, all.Shards, all.Replicas, all.Options);

        Assert.True(plan.IsEmpty);
        Assert.Equal(2, plan.UnderReplicated.Count);
    }

    private static (PlacementStepKind, string) Single(PlacementPlan plan)
    {
        var step = Assert.Single(plan.Steps);
        return (step.Kind, step.Node);
    }
}
