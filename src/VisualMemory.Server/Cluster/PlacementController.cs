using VisualMemory.ControlPlane;
using VisualMemory.Core.Placement;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// What the controller does each heartbeat while it holds the lease: reads nodes, memories and
/// replica assignments from the store, plans with <see cref="PlacementPlanner"/>, elects shard
/// primaries with <see cref="PrimaryElection"/> and applies both in one transaction that fails if the lease moved on (so a deposed controller writes nothing).
/// </summary>
internal static class PlacementController
{
    /// <summary>Plans and applies one round; returns the store's outcome (null: nothing to do) and the planner's steps (primary changes ride in the same batch).</summary>
    public static async Task<(PlacementOutcome? Outcome, PlacementPlan Plan)> RunOnceAsync(IClusterStore store, ControllerLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(lease);
        var nodes = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var memories = await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false);
        var assignments = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
        var replicas = assignments.Select(a => new ReplicaAssignment(a.Memory, a.Shard, a.Node, ToPlanner(a.State))).ToList();
        var plan = PlacementPlanner.Plan(
            [.. nodes.Where(n => n.Roles.HasFlag(NodeRoles.ShardHost)).Select(n => new PlacementNode(n.Name, n.Alive, n.Draining, n.BytesHosted))],
            // Shard sizes are not reported yet: equal weights balance replica counts.
            [.. memories.SelectMany(m => Enumerable.Range(0, m.Shards).Select(s => new ShardDemand(m.Name, s, m.ReplicationFactor, 1)))],
            replicas,
            PlacementOptions.Default);
        var changes = plan.Steps.Select(step => step.Kind switch
        {
            PlacementStepKind.Add => PlacementChange.Add(step.Memory, step.Shard, step.Node),
            PlacementStepKind.Remove => PlacementChange.Remove(step.Memory, step.Shard, step.Node),
            PlacementStepKind.MarkDraining => PlacementChange.MarkDraining(step.Memory, step.Shard, step.Node),
            _ => throw new InvalidOperationException($"unknown placement step {step.Kind}"),
        }).ToList();
        // Primaries are elected on the replicas as the plan leaves them, and written in the same batch
        // after the steps: a primary being drained or removed is replaced in the same transaction.
        var shards = await store.ListShardsAsync(null, cancellationToken).ConfigureAwait(false);
        changes.AddRange(PrimaryElection.Elect(
                [.. shards.Select(s => new ShardPrimary(s.Memory, s.Shard, s.PrimaryNode))],
                AfterSteps(replicas, plan.Steps),
                nodes.Where(n => n.Alive).Select(n => n.Name).ToHashSet(StringComparer.Ordinal))
            .Select(choice => PlacementChange.SetPrimary(choice.Memory, choice.Shard, choice.Node)));
        if (changes.Count == 0)
        {
            return (null, plan);
        }
        return (await store.ApplyPlacementAsync(lease.Holder, lease.Epoch, changes, cancellationToken).ConfigureAwait(false), plan);
    }

    private static List<ReplicaAssignment> AfterSteps(List<ReplicaAssignment> replicas, IReadOnlyList<PlacementStep> steps)
    {
        var after = replicas.ToDictionary(r => (r.Memory, r.Shard, r.Node));
        foreach (var step in steps)
        {
            var key = (step.Memory, step.Shard, step.Node);
            switch (step.Kind)
            {
                case PlacementStepKind.Add:
                    after[key] = new ReplicaAssignment(step.Memory, step.Shard, step.Node, ReplicaState.Loading);
                    break;
                case PlacementStepKind.Remove:
                    after.Remove(key);
                    break;
                case PlacementStepKind.MarkDraining when after.TryGetValue(key, out var replica):
                    after[key] = replica with { State = ReplicaState.Draining };
                    break;
            }
        }
        return [.. after.Values];
    }

    private static ReplicaState ToPlanner(AssignmentState state) => state switch
    {
        AssignmentState.Loading => ReplicaState.Loading,
        AssignmentState.Ready => ReplicaState.Ready,
        AssignmentState.Draining => ReplicaState.Draining,
        _ => throw new InvalidOperationException($"unknown assignment state {state}"),
    };
}
