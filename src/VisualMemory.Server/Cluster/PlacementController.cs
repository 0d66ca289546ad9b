using VisualMemory.ControlPlane;
using VisualMemory.Core.Placement;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// What the controller does each heartbeat while it holds the lease: reads nodes, memories, replica
/// assignments and the operator's pending requests (moves, rebalance) from the store, plans with
/// <see cref="PlacementPlanner"/>, elects shard primaries with <see cref="PrimaryElection"/> on the replicas
/// as the plan leaves them, applies both in one transaction that fails if the lease moved on (so a deposed
/// controller writes nothing), and retires the requests that are done.
/// </summary>
internal static class PlacementController
{
    /// <summary>Plans and applies one round; returns the store's outcome (null: nothing to do) and the planner's steps (primary changes ride in the same batch).</summary>
    public static async Task<(PlacementOutcome? Outcome, PlacementPlan Plan)> RunOnceAsync(IClusterStore store, ControllerLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(lease);
        // The operator's requests are read before the cluster: a node registered before a request was made
        // is then in this round's node list, so a round cannot give up a move to it, or judge a rebalance
        // settled, on a cluster older than the request (and only the rebalance read here is cleared).
        var pending = await store.ListPendingMovesAsync(cancellationToken).ConfigureAwait(false);
        var rebalanceRequestedAt = await store.GetRebalanceRequestAsync(cancellationToken).ConfigureAwait(false);
        var rebalance = rebalanceRequestedAt is not null;
        var nodes = ToPlanner(await store.ListNodesAsync(cancellationToken).ConfigureAwait(false));
        var primaries = await store.ListShardsAsync(null, cancellationToken).ConfigureAwait(false);
        var shards = ToPlanner(await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false), primaries);
        var current = ToPlanner(await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false));
        var options = PlacementOptions.Default with
        {
            Rebalance = rebalance,
            RequestedMoves = [.. pending.Select(m => new ReplicaMove(m.Memory, m.Shard, m.FromNode, m.ToNode))],
        };
        var plan = PlacementPlanner.Plan(nodes, shards, current, options);

        var changes = plan.Steps.Select(ToChange).ToList();
        // Primaries are elected on the replicas as the plan leaves them, and written in the same batch
        // after the steps: a primary being drained or removed is replaced in the same transaction.
        changes.AddRange(PrimaryElection.Elect(
                [.. primaries.Select(s => new ShardPrimary(s.Memory, s.Shard, s.PrimaryNode))],
                AfterSteps(current, plan.Steps),
                nodes.Where(n => n.Alive).Select(n => n.Name).ToHashSet(StringComparer.Ordinal))
            .Select(choice => PlacementChange.SetPrimary(choice.Memory, choice.Shard, choice.Node)));
        PlacementOutcome? outcome = null;
        if (changes.Count > 0)
        {
            outcome = await store.ApplyPlacementAsync(lease.Holder, lease.Epoch, changes, cancellationToken).ConfigureAwait(false);
            if (outcome != PlacementOutcome.Applied)
            {
                // The plan was not written (deposed, or made on state that changed): judge nothing on it.
                return (outcome, plan);
            }
        }
        await RetireMovesAsync(store, lease, pending, plan, cancellationToken).ConfigureAwait(false);
        if (rebalanceRequestedAt is { } requestedAt && RebalanceSettled(nodes, shards, current, options, plan))
        {
            await store.ClearRebalanceAsync(lease.Holder, lease.Epoch, requestedAt, cancellationToken).ConfigureAwait(false);
        }
        return (outcome, plan);
    }

    /// <summary>Shard hosts as the planner sees them; other roles never hold replicas.</summary>
    public static List<PlacementNode> ToPlanner(IEnumerable<NodeRecord> nodes) =>
        [.. nodes.Where(n => n.Roles.HasFlag(NodeRoles.ShardHost)).Select(n => new PlacementNode(n.Name, n.Alive, n.Draining, n.BytesHosted))];

    /// <summary>
    /// Every shard of every memory, weighted by the stored bytes its primary reported (at least 1, so
    /// shards not reported yet, and empty ones, still balance by count).
    /// </summary>
    public static List<ShardDemand> ToPlanner(IEnumerable<MemoryRecord> memories, IEnumerable<ShardRecord>? sizes = null)
    {
        var bytes = (sizes ?? []).ToDictionary(s => (s.Memory, s.Shard), s => s.StoredBytes);
        return [.. memories.SelectMany(m => Enumerable.Range(0, m.Shards).Select(s =>
            new ShardDemand(m.Name, s, m.ReplicationFactor, Math.Max(1, bytes.GetValueOrDefault((m.Name, s))))))];
    }

    /// <summary>The store's assignments as the planner sees them.</summary>
    public static List<ReplicaAssignment> ToPlanner(IEnumerable<AssignmentRecord> assignments) =>
        [.. assignments.Select(a => new ReplicaAssignment(a.Memory, a.Shard, a.Node, ToPlanner(a.State)))];

    // A move the plan no longer carries is finished when its target serves and its source is gone. The
    // planner also stops carrying moves it cannot make (target dead or draining, shard dropped, source
    // lost); those are given up once the target holds nothing, else they would be pending forever.
    // Judged on the state after this round's plan, so a move retires in the round that removes its source.
    private static async Task RetireMovesAsync(IClusterStore store, ControllerLease lease, IReadOnlyList<PendingMove> pending, PlacementPlan plan, CancellationToken cancellationToken)
    {
        var carried = plan.PendingMoves.ToHashSet();
        var settled = pending.Where(m => !carried.Contains(new ReplicaMove(m.Memory, m.Shard, m.FromNode, m.ToNode))).ToList();
        if (settled.Count == 0)
        {
            return;
        }
        var after = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var move in settled)
        {
            var replicas = after.Where(a => a.Memory == move.Memory && a.Shard == move.Shard).ToList();
            var target = replicas.Find(a => a.Node == move.ToNode);
            var done = target?.State == AssignmentState.Ready && !replicas.Exists(a => a.Node == move.FromNode);
            if (done || target is null)
            {
                await store.CompleteMoveAsync(lease.Holder, lease.Epoch, move.Memory, move.Shard, move.FromNode, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The request is done once rebalancing would add nothing. A plan without rebalance steps proves
    // that only if the move budget left room for them: with every move slot taken by loading replicas
    // the planner adds nothing whatever the imbalance, so the request waits for the next round.
    private static bool RebalanceSettled(List<PlacementNode> nodes, List<ShardDemand> shards, List<ReplicaAssignment> current, PlacementOptions options, PlacementPlan plan)
    {
        var withoutRebalance = PlacementPlanner.Plan(nodes, shards, current, options with { Rebalance = false });
        if (!plan.Steps.SequenceEqual(withoutRebalance.Steps))
        {
            return false;
        }
        var loading = current.Count(a => a.State == ReplicaState.Loading) + plan.Steps.Count(s => s.Kind == PlacementStepKind.Add);
        return loading < options.MaxConcurrentMoves;
    }

    private static PlacementChange ToChange(PlacementStep step) => step.Kind switch
    {
        PlacementStepKind.Add => PlacementChange.Add(step.Memory, step.Shard, step.Node),
        PlacementStepKind.Remove => PlacementChange.Remove(step.Memory, step.Shard, step.Node),
        PlacementStepKind.MarkDraining => PlacementChange.MarkDraining(step.Memory, step.Shard, step.Node),
        _ => throw new InvalidOperationException($"unknown placement step {step.Kind}"),
    };

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
