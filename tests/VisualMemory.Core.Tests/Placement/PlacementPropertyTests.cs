using FsCheck;
using FsCheck.Fluent;
using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

public class PlacementPropertyTests
{
    /// <summary>A random cluster and one disruption; sizes come from <see cref="Seed"/> so cases replay.</summary>
    public sealed record Scenario(int Nodes, int Memories, int Shards, int Rf, int Budget, Disruption Disruption, int Seed);

    public enum Disruption { Drain, Move, GrowAndRebalance, Kill }

    private static readonly Arbitrary<Scenario> Scenarios =
        (from nodes in Gen.Choose(1, 8)
         from memories in Gen.Choose(1, 3)
         from shards in Gen.Choose(1, 6)
         from rf in Gen.Choose(1, 3)
         from budget in Gen.Choose(1, 4)
         from disruption in Gen.Elements(Enum.GetValues<Disruption>())
         from seed in Gen.Choose(0, int.MaxValue)
         select new Scenario(nodes, memories, shards, rf, budget, disruption, seed)).ToArbitrary();

    [Fact]
    public void Invariants_hold_through_random_disruptions_and_the_cluster_converges() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(Scenarios, Verify));

    private static void Verify(Scenario scenario)
    {
        var random = new Random(scenario.Seed);
        var empty = ClusterState.Empty(scenario.Nodes, scenario.Memories, scenario.Shards, scenario.Rf);
        var cluster = empty with
        {
            Shards = [.. empty.Shards.Select(s => s with { Bytes = random.Next(1, 1000) })],
            Options = PlacementOptions.Default with { MaxConcurrentMoves = scenario.Budget },
        };
        var bound = (4 * cluster.Shards.Count * scenario.Rf) + 10;

        // Initial placement: nothing is Ready yet, so only rule 1 applies until it settles.
        var (settled, _) = PlacementSimulator.Run(cluster, bound, (plan, before, after) =>
        {
            PlacementInvariants.AddsOnlyToEligible(plan, before);
            PlacementInvariants.NoColocation(after);
        });
        PlacementInvariants.ReadyFloor(settled);

        var names = settled.Nodes.Select(n => n.Name).ToList();
        Action<PlacementPlan, ClusterState, ClusterState> check = PlacementInvariants.Safe;
        ClusterState disrupted;
        List<string> drained = [];
        ReplicaMove? move = null;
        switch (scenario.Disruption)
        {
            case Disruption.Drain:
                // Leave at least one node eligible, or there is nowhere to drain to.
                drained = [.. names.OrderBy(_ => random.Next()).Take(random.Next(0, names.Count))];
                disrupted = drained.Aggregate(settled, (s, n) => s.Drain(n));
                break;
            case Disruption.Move:
                move = PossibleMove(settled, random);
                disrupted = move is null ? settled : settled with { Options = settled.Options with { RequestedMoves = [move] } };
                break;
            case Disruption.GrowAndRebalance:
                disrupted = settled.AddNode("new") with { Options = settled.Options with { Rebalance = true, ImbalanceTolerance = random.NextDouble() * 0.2 } };
                check = (plan, before, after) =>
                {
                    PlacementInvariants.Safe(plan, before, after);
                    // Repairs are never held back, so the budget bounds Loading replicas only when none is needed.
                    if (scenario.Rf <= scenario.Nodes)
                        Assert.True(after.Replicas.Count(r => r.State == ReplicaState.Loading) <= scenario.Budget, "budget exceeded");
                };
                break;
            default:
                disrupted = settled.Kill(names[random.Next(names.Count)]);
                // Losing a node drops Ready replicas at once; only the rule-1 checks apply until repaired.
                check = (plan, before, after) =>
                {
                    PlacementInvariants.AddsOnlyToEligible(plan, before);
                    PlacementInvariants.NoColocation(after);
                };
                break;
        }

        var (final, _) = PlacementSimulator.Run(disrupted, bound, check);

        PlacementInvariants.ReadyFloor(final);
        Assert.All(final.Replicas, r => Assert.True(final.Node(r.Node).Eligible, $"replica left on {r.Node}"));
        Assert.All(final.Shards, s => Assert.True(final.Ready(s) <= s.ReplicationFactor, $"{s.Memory}/{s.Shard} over-replicated"));
        if (move is not null)
        {
            Assert.Contains(final.Replicas, r => r.Memory == move.Memory && r.Shard == move.Shard && r.Node == move.ToNode);
            Assert.DoesNotContain(final.Replicas, r => r.Memory == move.Memory && r.Shard == move.Shard && r.Node == move.FromNode);
        }
    }

    private static ReplicaMove? PossibleMove(ClusterState state, Random random)
    {
        var candidates =
            (from r in state.Replicas
             from n in state.Nodes
             where !state.Replicas.Any(o => o.Memory == r.Memory && o.Shard == r.Shard && o.Node == n.Name)
             select new ReplicaMove(r.Memory, r.Shard, r.Node, n.Name)).ToList();
        return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
    }
}
