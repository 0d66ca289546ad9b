namespace VisualMemory.Core.Placement;

/// <summary>Knobs for <see cref="PlacementPlanner.Plan"/>.</summary>
public sealed record PlacementOptions
{
    /// <summary>Defaults: no rebalancing, 10% tolerance, two moves in flight, no operator moves.</summary>
    public static PlacementOptions Default { get; } = new();

    /// <summary>When true, replicas move from the most- to the least-loaded eligible node (operator's `vm rebalance`).</summary>
    public bool Rebalance { get; init; }

    /// <summary>
    /// A rebalancing move is made only when it lowers the byte spread between the most- and the
    /// least-loaded node by more than this fraction of the most-loaded node's bytes; keeps small
    /// imbalances from causing churn. In [0, 1).
    /// </summary>
    public double ImbalanceTolerance { get; init; } = 0.1;

    /// <summary>
    /// Most replicas Loading at once before the planner starts another voluntary move (drain evacuation
    /// or rebalance). Repairs of lost replicas and operator moves are never held back, but count.
    /// </summary>
    public int MaxConcurrentMoves { get; init; } = 2;

    /// <summary>Operator moves still in progress; see <see cref="ReplicaMove"/>.</summary>
    public IReadOnlyList<ReplicaMove> RequestedMoves { get; init; } = [];
}
