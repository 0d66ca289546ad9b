using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class DeadNodeTests
{
    [Fact]
    public void A_dead_nodes_replicas_are_removed_and_replaced_on_survivors_in_one_plan()
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(5, 2, 6, 3));
        var victim = ClusterState.NodeName(2);
        var lost = settled.On(victim).ToList();
        Assert.NotEmpty(lost);

        var dead = settled.Kill(victim);
        var (plan, after) = PlacementSimulator.Tick(dead);

        Assert.Equal(lost.Count, plan.Steps.Count(s => s.Kind == PlacementStepKind.Remove && s.Node == victim));
        var adds = plan.Steps.Where(s => s.Kind == PlacementStepKind.Add).ToList();
        Assert.Equal(lost.Count, adds.Count);
        Assert.All(adds, a => Assert.NotEqual(victim, a.Node));
        Assert.Contains("dead", plan.Steps.First(s => s.Kind == PlacementStepKind.Remove).Reason, StringComparison.Ordinal);
        Assert.Empty(after.On(victim));
        PlacementInvariants.NoColocation(after);
        // Every shard has its factor again (the new replicas are Loading; the next tick makes them Ready).
        Assert.All(after.Shards, s => Assert.Equal(3, after.Replicas.Count(r => r.Memory == s.Memory && r.Shard == s.Shard)));

        var (final, _) = PlacementSimulator.Run(after, 10);
        Assert.All(final.Shards, s => Assert.Equal(3, final.Ready(s)));
    }

    [Fact]
    public void Repairs_ignore_the_move_budget()
    {
        var settled = PlacementSimulator.Settle(ClusterState.Empty(6, 1, 12, 2)) with
        {
            Options = PlacementOptions.Default with { MaxConcurrentMoves = 1 },
        };
        var lost = settled.On(ClusterState.NodeName(0)).Count();

        var plan = PlacementPlanner.Plan(settled.Kill(ClusterState.NodeName(0)).Nodes, settled.Shards, settled.Replicas, settled.Options);

        Assert.True(lost > 1);
        Assert.Equal(lost, plan.Steps.Count(s => s.Kind == PlacementStepKind.Add));
    }

    [Fact]
    public void Replicas_on_unknown_nodes_count_as_lost()
    {
        PlacementNode[] nodes = [new("a", true, false, 0), new("b", true, false, 0)];
        ReplicaAssignment[] current = [new("m", 0, "gone", ReplicaState.Ready), new("m", 0, "a", ReplicaState.Ready)];

        var plan = PlacementPlanner.Plan(nodes, [new ShardDemand("m", 0, 2, 1)], current, PlacementOptions.Default);

        Assert.Equal(
            [(PlacementStepKind.Remove, "gone"), (PlacementStepKind.Add, "b")],
            plan.Steps.Select(s => (s.Kind, s.Node)));
    }
}
