namespace VisualMemory.ControlPlane;

/// <summary>What a placement change does to a replica.</summary>
public enum PlacementChangeKind
{
    /// <summary>Place a new replica on the node (state Loading).</summary>
    Add,

    /// <summary>Take the replica off the node.</summary>
    Remove,

    /// <summary>Mark the replica as leaving (state Draining).</summary>
    MarkDraining,

    /// <summary>Make the node's Ready replica the shard's primary, with the change's new epoch as its term.</summary>
    SetPrimary,
}
