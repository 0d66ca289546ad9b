namespace VisualMemory.Core.Placement;

/// <summary>A replica of a shard currently assigned to a node, with its state.</summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="Node">Node holding the replica.</param>
/// <param name="State">Where the replica is in its life cycle.</param>
public sealed record ReplicaAssignment(string Memory, int Shard, string Node, ReplicaState State);
