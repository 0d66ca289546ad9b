namespace VisualMemory.Core.Placement;

/// <summary>
/// An operator's request to move one replica of a shard from one node to another. The planner is
/// stateless, so the controller keeps passing the request (in <see cref="PlacementOptions.RequestedMoves"/>)
/// until it leaves <see cref="PlacementPlan.PendingMoves"/>.
/// </summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="FromNode">Node whose replica leaves once the new one is Ready.</param>
/// <param name="ToNode">Node that receives the new replica.</param>
public sealed record ReplicaMove(string Memory, int Shard, string FromNode, string ToNode);
