namespace VisualMemory.ControlPlane;

/// <summary>What became of <see cref="IClusterStore.RequestMoveAsync"/>.</summary>
public enum MoveRequestOutcome
{
    /// <summary>The move is recorded and pending.</summary>
    Requested,

    /// <summary>A move of the same replica (memory, shard, source node) is already pending; nothing was written.</summary>
    Duplicate,

    /// <summary>The memory, shard or one of the nodes is unknown; nothing was written.</summary>
    Invalid,
}
