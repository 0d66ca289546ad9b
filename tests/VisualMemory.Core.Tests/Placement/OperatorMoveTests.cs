using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class OperatorMoveTests
{
    private static readonly ClusterState Settled = PlacementSimulator.Settle(ClusterState.Empty(4, 1, 4, 2));

    private static ReplicaMove AnyMove(ClusterState state)
    {
        var replica = state.Replicas[0];
        var target = state.Nodes.First(n => !state.Replicas.Any(r => r.Memory == replica.Memory && r.Shard == replica.Shard && r.Node == n.Name));
        return new ReplicaMove(replica.Memory, replica.Shard, replica.Node, target.Name);
    }

    [Fact]
    public void A_move_is_make_before_break_and_lands_on_the_requested_node()
    {
        var move = AnyMove(Settled);

        var first = PlacementPlanner.Move(move, Settled.Nodes, Settled.Shards, Settled.Replicas, Settled.Options);

        var add = Assert.Single(first.Steps);
        Assert.Equal((PlacementStepKind.Add, move.ToNode), (add.Kind, add.Node));
        Assert.Equal([move], first.PendingMoves);

        var start = Settled with { Options = Settled.Options with { RequestedMoves = [move] } };
        var (final, _) = PlacementSimulator.Run(start, 20, (plan, before, after) =>
        {
            PlacementInvariants.Safe(plan, before, after);
            Assert.All(after.Shards, s => Assert.True(after.Ready(s) >= 2));
        });

        var holders = final.Replicas.Where(r => r.Memory == move.Memory && r.Shard == move.Shard).Select(r => r.Node).ToList();
        Assert.Contains(move.ToNode, holders);
        Assert.DoesNotContain(move.FromNode, holders);
        Assert.Empty(final.Options.RequestedMoves);
    }

    [Fact]
    public void Moves_to_a_dead_node_are_refused()
    {
        var move = AnyMove(Settled);
        var state = Settled.Kill(move.ToNode);

        var e = Assert.Throws<InvalidOperationException>(() => PlacementPlanner.Move(move, state.Nodes, state.Shards, state.Replicas, state.Options));
        Assert.Contains("dead", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Moves_to_a_draining_node_are_refused()
    {
        var move = AnyMove(Settled);
        var state = Settled.Drain(move.ToNode);

        var e = Assert.Throws<InvalidOperationException>(() => PlacementPlanner.Move(move, state.Nodes, state.Shards, state.Replicas, state.Options));
        Assert.Contains("draining", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Moves_to_a_node_already_holding_the_shard_are_refused()
    {
        var replica = Settled.Replicas[0];
        var other = Settled.Replicas.First(r => r.Memory == replica.Memory && r.Shard == replica.Shard && r.Node != replica.Node);
        var move = new ReplicaMove(replica.Memory, replica.Shard, replica.Node, other.Node);

        var e = Assert.Throws<InvalidOperationException>(() => PlacementPlanner.Move(move, Settled.Nodes, Settled.Shards, Settled.Replicas, Settled.Options));
        Assert.Contains("already holds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Moves_from_a_node_without_the_shard_are_refused()
    {
        var move = AnyMove(Settled);
        var wrong = move with { FromNode = move.ToNode, ToNode = Settled.Nodes.First(n => n.Name != move.ToNode && !Settled.Replicas.Any(r => r.Memory == move.Memory && r.Shard == move.Shard && r.Node == n.Name)).Name };

        var e = Assert.Throws<InvalidOperationException>(() => PlacementPlanner.Move(wrong, Settled.Nodes, Settled.Shards, Settled.Replicas, Settled.Options));
        Assert.Contains("holds no serving replica", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mem0", 99, "node00", "node01", "no shard 99")]
    [InlineData("mem0", 0, "node00", "nowhere", "not a known node")]
    [InlineData("mem0", 0, "node00", "node00", "to itself")]
    public void Malformed_moves_are_argument_errors(string memory, int shard, string from, string to, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => PlacementPlanner.Move(new ReplicaMove(memory, shard, from, to), Settled.Nodes, Settled.Shards, Settled.Replicas, Settled.Options));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_move_whose_target_died_is_dropped_with_a_note_and_the_shard_left_alone()
    {
        var move = AnyMove(Settled);
        var state = Settled.Kill(move.ToNode) with { Options = Settled.Options with { RequestedMoves = [move] } };

        var plan = PlacementPlanner.Plan(state.Nodes, state.Shards, state.Replicas, state.Options);

        Assert.Empty(plan.PendingMoves);
        Assert.Contains(plan.Notes, n => n.Contains("dropped: node " + move.ToNode + " is dead", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Steps, s => s.Node == move.FromNode && s.Memory == move.Memory && s.Shard == move.Shard);
    }
}
