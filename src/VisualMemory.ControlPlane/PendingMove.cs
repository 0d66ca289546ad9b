namespace VisualMemory.ControlPlane;

/// <summary>An operator's request to move one replica, kept in the store until the controller sees it done (or cancelled).</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="FromNode">The node whose replica leaves once the new one is Ready.</param>
/// <param name="ToNode">The node that receives the new replica.</param>
/// <param name="RequestedAt">When the operator asked (database clock).</param>
public sealed record PendingMove(string Memory, int Shard, string FromNode, string ToNode, DateTimeOffset RequestedAt);
