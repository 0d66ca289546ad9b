namespace VisualMemory.ControlPlane;

/// <summary>One replica of one shard placed on one node.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="Node">The node hosting the replica.</param>
/// <param name="State">Where the replica stands.</param>
/// <param name="Epoch">The shard's assignment epoch when this row was last placed or changed; a node's Ready report must carry it.</param>
public sealed record AssignmentRecord(string Memory, int Shard, string Node, AssignmentState State, long Epoch);
