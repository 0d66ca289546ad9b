namespace VisualMemory.Core.Placement;

/// <summary>A shard-host node as the placement controller sees it.</summary>
/// <param name="Name">Unique node name; ties between equally loaded nodes are broken by it (ordinal).</param>
/// <param name="Alive">False once the node's heartbeat has lapsed: its replicas are re-placed elsewhere.</param>
/// <param name="Draining">True while an operator drains the node: it gets no new replicas and its replicas move away.</param>
/// <param name="BytesHosted">
/// Bytes the node reports hosting. Only a tie-break: the planner balances by the bytes of the shards it
/// assigns, which it can project forward through its own plan, unlike a reported figure.
/// </param>
public sealed record PlacementNode(string Name, bool Alive, bool Draining, long BytesHosted)
{
    /// <summary>True when the node may receive new replicas: alive and not draining.</summary>
    public bool Eligible => Alive && !Draining;
}
