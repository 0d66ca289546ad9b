namespace VisualMemory.Core.Placement;

/// <summary>One change to the assignment of replicas, with the reason an operator reads in the log.</summary>
/// <param name="Kind">Add, remove or mark draining.</param>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="Node">Node the step applies to.</param>
/// <param name="Reason">Human-readable reason, e.g. "node b is draining; replacement ready on c".</param>
public sealed record PlacementStep(PlacementStepKind Kind, string Memory, int Shard, string Node, string Reason);
