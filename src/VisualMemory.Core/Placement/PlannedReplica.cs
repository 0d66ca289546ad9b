namespace VisualMemory.Core.Placement;

/// <summary>The planner's working view of one replica on a live node while it builds a plan.</summary>
internal sealed class PlannedReplica(string node, ReplicaState state, bool planned)
{
    public string Node { get; } = node;

    public ReplicaState State { get; set; } = state;

    /// <summary>Added by the plan being built, so not even Loading yet in the cluster.</summary>
    public bool Planned { get; } = planned;

    /// <summary>Why the replica must go (draining node, operator move, Draining state); null when it stays.</summary>
    public string? LeaveReason { get; set; }

    /// <summary>The plan already has a step for it (mark draining or remove), so later phases skip it.</summary>
    public bool Handled { get; set; }

    /// <summary>The plan removes it: the node no longer holds the shard afterwards.</summary>
    public bool Removed { get; set; }

    public bool Leaving => LeaveReason is not null;

    /// <summary>Staying and counted toward the replication factor (Loading or Ready, including planned adds).</summary>
    public bool Staying => !Leaving && !Removed && State != ReplicaState.Draining;

    /// <summary>Staying and serving now: what a make-before-break move must not run short of.</summary>
    public bool StayingReady => Staying && !Planned && State == ReplicaState.Ready;
}
