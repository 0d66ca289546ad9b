namespace VisualMemory.ControlPlane;

/// <summary>Where a replica assignment stands.</summary>
public enum AssignmentState
{
    /// <summary>Placed on the node, which is loading the shard; not yet searched.</summary>
    Loading,

    /// <summary>Loaded and searchable.</summary>
    Ready,

    /// <summary>Still searchable but leaving: the controller removes it once enough other replicas are Ready.</summary>
    Draining,
}
