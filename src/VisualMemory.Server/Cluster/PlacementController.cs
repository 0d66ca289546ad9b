using VisualMemory.ControlPlane;
using VisualMemory.Core.Placement;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// What the controller does each heartbeat while it holds the lease: reads nodes, memories and
/// replica assignments from the store, plans with <see cref="PlacementPlanner"/> and applies the plan
/// in one transaction that fails if the lease moved on (so a deposed controller writes nothing).
/// </summary>
internal static class PlacementController
{
    /// <summary>Plans and applies one round; returns the store's outcome and the steps tried (none: nothing to do).</summary>
    public static async Task<(PlacementOutcome? Outcome, PlacementPlan Plan)> RunOnceAsync(IClusterStore store, ControllerLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(lease);
        var nodes = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
        var memories = await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false);
        var assignments = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
        var plan = PlacementPlanner.Plan(
            [.. nodes.Where(n => n.Roles.HasFlag(NodeRoles.ShardHost)).Select(n => new PlacementNode(n.Name, n.Alive, n.Draining, n.BytesHosted))],
            // Shard sizes are not reported yet: equal weights balance replica counts.
            [.. memories.SelectMany(m => Enumerable.Range(0, m.Shards).Select(s => new ShardDemand(m.Name, s, m.ReplicationFactor, 1)))],
            [.. assignments.Select(a => new ReplicaAssignment(a.Memory, a.Shard, a.Node, ToPlanner(a.State)))],
            PlacementOptions.Default);
        if (plan.Steps.Count == 0)
        {
            return (null, plan);
        }
        var changes = plan.Steps.Select(step => step.Kind switch
        {
            PlacementStepKind.Add => PlacementChange.Add(step.Memory, step.Shard, step.Node),
            PlacementStepKind.Remove => PlacementChange.Remove(step.Memory, step.Shard, step.Node),
            PlacementStepKind.MarkDraining => PlacementChange.MarkDraining(step.Memory, step.Shard, step.Node),
            _ => throw new InvalidOperationException($"unknown placement step {step.Kind}"),
        }).ToList();
        return (await store.ApplyPlacementAsync(lease.Holder, lease.Epoch, changes, cancellationToken).ConfigureAwait(false), plan);
    }

    private static ReplicaState ToPlanner(AssignmentState state) => state switch
    {
        AssignmentState.Loading => ReplicaState.Loading,
        AssignmentState.Ready => ReplicaState.Ready,
        AssignmentState.Draining => ReplicaState.Draining,
        _ => throw new InvalidOperationException($"unknown assignment state {state}"),
    };
}
