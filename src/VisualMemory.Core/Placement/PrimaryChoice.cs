namespace VisualMemory.Core.Placement;

/// <summary>A new primary for a shard: the replica on <paramref name="Node"/> is to order the shard's writes.</summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="Node">The node whose Ready replica becomes primary.</param>
public sealed record PrimaryChoice(string Memory, int Shard, string Node);
