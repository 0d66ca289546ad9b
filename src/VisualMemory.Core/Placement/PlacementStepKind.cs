namespace VisualMemory.Core.Placement;

/// <summary>What a <see cref="PlacementStep"/> asks a node to do with a replica.</summary>
public enum PlacementStepKind
{
    /// <summary>Assign a new replica to the node; it starts <see cref="ReplicaState.Loading"/>.</summary>
    Add,

    /// <summary>Unassign the replica; the node unloads it.</summary>
    Remove,

    /// <summary>Stop routing new queries to the replica; it is removed by a later plan.</summary>
    MarkDraining,
}
