namespace VisualMemory.Core.Placement;

/// <summary>Life cycle of one shard replica on one node.</summary>
public enum ReplicaState
{
    /// <summary>Assigned and loading; not serving yet. Counts as a move in flight.</summary>
    Loading,

    /// <summary>Loaded and serving queries.</summary>
    Ready,

    /// <summary>Taking no new queries while in-flight ones finish; removed by the next plan.</summary>
    Draining,
}
