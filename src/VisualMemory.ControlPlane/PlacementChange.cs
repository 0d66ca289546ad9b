namespace VisualMemory.ControlPlane;

/// <summary>One change to replica placement, as planned by the controller.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="Node">The node.</param>
public sealed record PlacementChange(PlacementChangeKind Kind, string Memory, int Shard, string Node)
{
    /// <summary>Place a new replica of the shard on the node.</summary>
    public static PlacementChange Add(string memory, int shard, string node) => new(PlacementChangeKind.Add, memory, shard, node);

    /// <summary>Take the shard's replica off the node.</summary>
    public static PlacementChange Remove(string memory, int shard, string node) => new(PlacementChangeKind.Remove, memory, shard, node);

    /// <summary>Mark the shard's replica on the node as leaving.</summary>
    public static PlacementChange MarkDraining(string memory, int shard, string node) => new(PlacementChangeKind.MarkDraining, memory, shard, node);

    /// <summary>Make the shard's Ready replica on the node its primary (the replica that orders writes), in a new term.</summary>
    public static PlacementChange SetPrimary(string memory, int shard, string node) => new(PlacementChangeKind.SetPrimary, memory, shard, node);
}
