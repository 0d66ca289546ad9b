using FsCheck;
using FsCheck.Fluent;
using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class PrimaryElectionTests
{
    private static readonly HashSet<string> AllAlive = ["a", "b", "c"];

    private static ReplicaAssignment Replica(string node, ReplicaState state, int shard = 0) => new("m", shard, node, state);

    [Fact]
    public void A_shard_without_a_primary_gets_the_ready_replica_with_the_smallest_name()
    {
        var choices = PrimaryElection.Elect(
            [new ShardPrimary("m", 0, null)],
            [Replica("c", ReplicaState.Ready), Replica("a", ReplicaState.Loading), Replica("b", ReplicaState.Ready)],
            AllAlive);
        Assert.Equal([new PrimaryChoice("m", 0, "b")], choices);
    }

    [Fact]
    public void A_ready_primary_on_a_live_node_stays_even_when_a_smaller_name_could_take_it()
    {
        Assert.Empty(PrimaryElection.Elect(
            [new ShardPrimary("m", 0, "c")],
            [Replica("a", ReplicaState.Ready), Replica("c", ReplicaState.Ready)],
            AllAlive));
    }

    [Theory]
    [InlineData(ReplicaState.Loading, true)]
    [InlineData(ReplicaState.Draining, true)]
    [InlineData(ReplicaState.Ready, false)]
    public void A_primary_that_is_not_ready_or_whose_node_is_dead_is_replaced(ReplicaState state, bool alive)
    {
        HashSet<string> aliveNodes = alive ? ["a", "b"] : ["b"];
        var choices = PrimaryElection.Elect(
            [new ShardPrimary("m", 0, "a")],
            [Replica("a", state), Replica("b", ReplicaState.Ready)],
            aliveNodes);
        Assert.Equal([new PrimaryChoice("m", 0, "b")], choices);
    }

    [Fact]
    public void A_primary_whose_replica_is_gone_is_replaced()
    {
        Assert.Equal([new PrimaryChoice("m", 0, "b")], PrimaryElection.Elect(
            [new ShardPrimary("m", 0, "a")], [Replica("b", ReplicaState.Ready)], AllAlive));
    }

    [Fact]
    public void With_no_ready_replica_on_a_live_node_the_last_primary_stays_recorded()
    {
        Assert.Empty(PrimaryElection.Elect(
            [new ShardPrimary("m", 0, "a"), new ShardPrimary("m", 1, null)],
            [Replica("a", ReplicaState.Ready), Replica("b", ReplicaState.Loading), Replica("c", ReplicaState.Draining), Replica("b", ReplicaState.Loading, shard: 1)],
            new HashSet<string> { "b", "c" }));
    }

    [Fact]
    public void Names_compare_ordinally_and_replicas_of_other_shards_do_not_count()
    {
        var choices = PrimaryElection.Elect(
            [new ShardPrimary("m", 0, null), new ShardPrimary("other", 0, null)],
            [Replica("b", ReplicaState.Ready), Replica("B", ReplicaState.Ready), new ReplicaAssignment("other", 0, "a", ReplicaState.Ready)],
            new HashSet<string> { "a", "b", "B" });
        Assert.Equal([new PrimaryChoice("m", 0, "B"), new PrimaryChoice("other", 0, "a")], choices);
    }

    /// <summary>A random set of shards, replicas, live nodes and recorded primaries, built from <see cref="Seed"/> so cases replay.</summary>
    public sealed record Scenario(int Nodes, int Shards, int Seed);

    private static readonly Arbitrary<Scenario> Scenarios =
        (from nodes in Gen.Choose(1, 6)
         from shards in Gen.Choose(1, 6)
         from seed in Gen.Choose(0, int.MaxValue)
         select new Scenario(nodes, shards, seed)).ToArbitrary();

    [Fact]
    public void Choices_are_ready_live_replicas_valid_primaries_stay_and_the_result_is_deterministic() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Scenarios, Verify));

    private static void Verify(Scenario scenario)
    {
        var random = new Random(scenario.Seed);
        var nodes = Enumerable.Range(0, scenario.Nodes).Select(i => $"n{i}").ToList();
        var alive = nodes.Where(_ => random.Next(3) > 0).ToHashSet();
        var states = Enum.GetValues<ReplicaState>();
        var replicas = new List<ReplicaAssignment>();
        var shards = new List<ShardPrimary>();
        for (var shard = 0; shard < scenario.Shards; shard++)
        {
            replicas.AddRange(nodes.Where(_ => random.Next(2) == 0)
                .Select(n => new ReplicaAssignment("m", shard, n, states[random.Next(states.Length)])));
            // A recorded primary may be any node, with or without a replica of the shard, or none.
            shards.Add(new ShardPrimary("m", shard, random.Next(nodes.Count + 1) is var p && p < nodes.Count ? nodes[p] : null));
        }

        var choices = PrimaryElection.Elect(shards, replicas, alive);

        bool IsValid(string memory, int shard, string? node) => node is not null && alive.Contains(node)
            && replicas.Any(r => r.Memory == memory && r.Shard == shard && r.Node == node && r.State == ReplicaState.Ready);
        Assert.All(choices, c => Assert.True(IsValid(c.Memory, c.Shard, c.Node), $"{c} is not a Ready replica on a live node"));
        Assert.Equal(choices.Count, choices.Select(c => (c.Memory, c.Shard)).Distinct().Count());
        foreach (var shard in shards)
        {
            var choice = choices.SingleOrDefault(c => c.Memory == shard.Memory && c.Shard == shard.Shard);
            var anyValid = nodes.Any(n => IsValid(shard.Memory, shard.Shard, n));
            if (IsValid(shard.Memory, shard.Shard, shard.PrimaryNode))
            {
                Assert.Null(choice); // a valid primary is never replaced
            }
            else
            {
                // Some valid replica exists exactly when a new primary is chosen, and it is the smallest name.
                Assert.Equal(anyValid, choice is not null);
                if (choice is not null)
                {
                    Assert.Equal(nodes.Where(n => IsValid(shard.Memory, shard.Shard, n)).Order(StringComparer.Ordinal).First(), choice.Node);
                }
            }
        }
        // The input order of replicas does not matter.
        Assert.Equal(choices, PrimaryElection.Elect(shards, [.. replicas.OrderBy(_ => random.Next())], alive));
    }
}
