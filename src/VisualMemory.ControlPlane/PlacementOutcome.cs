namespace VisualMemory.ControlPlane;

/// <summary>What became of a batch of placement changes; anything but <see cref="Applied"/> means nothing of the batch was written.</summary>
public enum PlacementOutcome
{
    /// <summary>Every change was written, in one transaction.</summary>
    Applied,

    /// <summary>The caller does not hold the controller lease with that epoch (deposed, expired or never held).</summary>
    NotController,

    /// <summary>The batch does not fit the current state: a second replica of a shard on one node, a Remove or MarkDraining of a replica that is not there, or a SetPrimary of a node without a Ready replica of the shard (the plan was made on state that has since changed).</summary>
    Conflict,

    /// <summary>The batch names an unknown memory, a shard out of range, or an unknown node.</summary>
    Invalid,
}
