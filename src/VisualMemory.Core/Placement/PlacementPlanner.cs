namespace VisualMemory.Core.Placement;

/// <summary>
/// Decides where shard replicas live: pure and deterministic (same snapshot, same plan; ties go to
/// the node name), so the one active controller can simply re-plan on every change. Rules, by
/// priority: never two replicas of a shard on one node nor any new replica on a dead or draining
/// node; replicas on dead nodes are removed and replaced; under-replicated shards get replicas on
/// the eligible node with the fewest bytes; moves are make-before-break; rebalancing when asked;
/// extra Ready replicas leave the most loaded node.
/// </summary>
public static class PlacementPlanner
{
    /// <summary>Plans the next steps toward the wanted placement from the current snapshot.</summary>
    /// <param name="nodes">Every known shard-host node (names unique).</param>
    /// <param name="shards">Every shard the cluster must serve (memory/shard pairs unique).</param>
    /// <param name="current">Replicas assigned now, with their states.</param>
    /// <param name="options">Rebalancing, move budget and operator moves.</param>
    /// <returns>
    /// Steps to apply now, plus what cannot be done. A move's old replica is retired only by a later
    /// call that sees its replacement Ready, so call again after every state change.
    /// </returns>
    /// <exception cref="ArgumentException">Duplicate nodes or shards, a bad factor or size, or bad options.</exception>
    public static PlacementPlan Plan(
        IReadOnlyList<PlacementNode> nodes,
        IReadOnlyList<ShardDemand> shards,
        IReadOnlyList<ReplicaAssignment> current,
        PlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.RequestedMoves, nameof(options));
        if (!(options.ImbalanceTolerance >= 0 && options.ImbalanceTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"ImbalanceTolerance must be in [0, 1), not {options.ImbalanceTolerance}.");
        if (options.MaxConcurrentMoves < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxConcurrentMoves must be at least 1, not {options.MaxConcurrentMoves}.");
        return new PlanBuilder(nodes, shards, current, options).Build();
    }

    /// <summary>
    /// Starts an operator move (`vm shards move`) of one replica: validates it, then plans with it added to
    /// <see cref="PlacementOptions.RequestedMoves"/>. The new replica is added now; the old one keeps
    /// serving until a later plan (given the same move, while it is in <see cref="PlacementPlan.PendingMoves"/>)
    /// sees the new one Ready.
    /// </summary>
    /// <param name="move">The replica to move and where to.</param>
    /// <param name="nodes">Every known shard-host node.</param>
    /// <param name="shards">Every shard the cluster must serve.</param>
    /// <param name="current">Replicas assigned now.</param>
    /// <param name="options">Other planning options.</param>
    /// <exception cref="ArgumentException">Unknown shard or node, or source and target are the same node.</exception>
    /// <exception cref="InvalidOperationException">
    /// The target is dead, draining or already holds a replica of the shard, or the source holds no serving replica.
    /// </exception>
    public static PlacementPlan Move(
        ReplicaMove move,
        IReadOnlyList<PlacementNode> nodes,
        IReadOnlyList<ShardDemand> shards,
        IReadOnlyList<ReplicaAssignment> current,
        PlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(move);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(options);
        ValidateMove(move, nodes, shards, current);
        var moves = options.RequestedMoves.Contains(move) ? options.RequestedMoves : [.. options.RequestedMoves, move];
        return Plan(nodes, shards, current, options with { RequestedMoves = moves });
    }

    /// <summary>Throws, saying why, when <paramref name="move"/> cannot start; see <see cref="Move"/>.</summary>
    /// <param name="move">The requested move.</param>
    /// <param name="nodes">Every known shard-host node.</param>
    /// <param name="shards">Every shard the cluster must serve.</param>
    /// <param name="current">Replicas assigned now.</param>
    /// <exception cref="ArgumentException">Unknown shard or node, or source and target are the same node.</exception>
    /// <exception cref="InvalidOperationException">The target cannot take the replica or the source has none.</exception>
    public static void ValidateMove(
        ReplicaMove move,
        IReadOnlyList<PlacementNode> nodes,
        IReadOnlyList<ShardDemand> shards,
        IReadOnlyList<ReplicaAssignment> current)
    {
        ArgumentNullException.ThrowIfNull(move);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(current);
        var label = $"{move.Memory}/{move.Shard}";
        if (string.Equals(move.FromNode, move.ToNode, StringComparison.Ordinal))
            throw new ArgumentException($"Cannot move {label} from node {move.FromNode} to itself.", nameof(move));
        if (!shards.Any(s => s.Memory == move.Memory && s.Shard == move.Shard))
            throw new ArgumentException($"Memory {move.Memory} has no shard {move.Shard}.", nameof(move));
        if (!nodes.Any(n => n.Name == move.FromNode))
            throw new ArgumentException($"Node {move.FromNode} is not a known node.", nameof(move));
        var target = nodes.FirstOrDefault(n => n.Name == move.ToNode)
            ?? throw new ArgumentException($"Node {move.ToNode} is not a known node.", nameof(move));
        if (!target.Alive)
            throw new InvalidOperationException($"Cannot move {label} to node {move.ToNode}: the node is dead.");
        if (target.Draining)
            throw new InvalidOperationException($"Cannot move {label} to node {move.ToNode}: the node is draining.");
        if (current.Any(a => a.Memory == move.Memory && a.Shard == move.Shard && a.Node == move.ToNode))
            throw new InvalidOperationException($"Cannot move {label} to node {move.ToNode}: it already holds a replica of {label}, and two replicas of a shard never share a node.");
        if (!current.Any(a => a.Memory == move.Memory && a.Shard == move.Shard && a.Node == move.FromNode && a.State != ReplicaState.Draining))
            throw new InvalidOperationException($"Cannot move {label} from node {move.FromNode}: it holds no serving replica of {label}.");
    }
}
