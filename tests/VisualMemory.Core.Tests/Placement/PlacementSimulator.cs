using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

/// <summary>
/// Pure simulation of the controller loop: plan, let replicas that were Loading become Ready (loading
/// takes one tick), apply the plan. Hands the next state back rather than mutating one, so tests can
/// keep every intermediate state and assert invariants on each.
/// </summary>
public static class PlacementSimulator
{
    /// <summary>One tick: the plan made from <paramref name="state"/> and the state after it.</summary>
    public static (PlacementPlan Plan, ClusterState Next) Tick(ClusterState state)
    {
        var plan = PlacementPlanner.Plan(state.Nodes, state.Shards, state.Replicas, state.Options);
        var replicas = state.Replicas
            .Select(r => r.State == ReplicaState.Loading ? r with { State = ReplicaState.Ready } : r)
            .ToList();
        foreach (var step in plan.Steps)
        {
            var at = replicas.FindIndex(r => r.Memory == step.Memory && r.Shard == step.Shard && r.Node == step.Node);
            switch (step.Kind)
            {
                case PlacementStepKind.Add:
                    if (at >= 0)
                        throw new InvalidOperationException($"Co-location: {step}");
                    replicas.Add(new ReplicaAssignment(step.Memory, step.Shard, step.Node, ReplicaState.Loading));
                    break;
                case PlacementStepKind.Remove:
                    replicas.RemoveAt(at >= 0 ? at : throw new InvalidOperationException($"Nothing to remove: {step}"));
                    break;
                case PlacementStepKind.MarkDraining:
                    replicas[at >= 0 ? at : throw new InvalidOperationException($"Nothing to drain: {step}")] =
                        replicas[at] with { State = ReplicaState.Draining };
                    break;
            }
        }
        var next = state with { Replicas = replicas, Options = state.Options with { RequestedMoves = plan.PendingMoves } };
        return (plan, next);
    }

    /// <summary>
    /// Ticks until a plan is empty and nothing is Loading, calling <paramref name="check"/> with each plan,
    /// the state it was made from and the state after it. Fails when that takes more than <paramref name="maxTicks"/>.
    /// </summary>
    public static (ClusterState Final, int Ticks) Run(
        ClusterState state, int maxTicks, Action<PlacementPlan, ClusterState, ClusterState>? check = null)
    {
        for (var tick = 1; tick <= maxTicks; tick++)
        {
            var (plan, next) = Tick(state);
            check?.Invoke(plan, state, next);
            if (plan.IsEmpty && !state.Replicas.Any(r => r.State == ReplicaState.Loading))
                return (next, tick);
            state = next;
        }
        throw new InvalidOperationException($"No convergence within {maxTicks} ticks.");
    }

    /// <summary>Initial placement of an empty cluster, run to a stable state.</summary>
    public static ClusterState Settle(ClusterState state, int maxTicks = 50) => Run(state, maxTicks).Final;
}
