namespace VisualMemory.Core.Placement;

/// <summary>What the planner wants done now, and what it could not do.</summary>
public sealed class PlacementPlan
{
    internal PlacementPlan(
        IReadOnlyList<PlacementStep> steps,
        IReadOnlyList<ShardShortfall> underReplicated,
        IReadOnlyList<ReplicaMove> pendingMoves,
        IReadOnlyList<string> notes)
    {
        Steps = steps;
        UnderReplicated = underReplicated;
        PendingMoves = pendingMoves;
        Notes = notes;
    }

    /// <summary>Steps to apply now, in order: removals of lost replicas, adds, drains and removals, rebalancing adds.</summary>
    public IReadOnlyList<PlacementStep> Steps { get; }

    /// <summary>Shards that stay below their replication factor because too few nodes are eligible.</summary>
    public IReadOnlyList<ShardShortfall> UnderReplicated { get; }

    /// <summary>Operator moves that need more plans (the old replica still serves); pass them again next time.</summary>
    public IReadOnlyList<ReplicaMove> PendingMoves { get; }

    /// <summary>Other things an operator may want to know: skipped moves, work waiting for the move budget.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when the plan changes nothing.</summary>
    public bool IsEmpty => Steps.Count == 0;
}
