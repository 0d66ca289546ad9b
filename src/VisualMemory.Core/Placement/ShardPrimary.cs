namespace VisualMemory.Core.Placement;

/// <summary>A shard and the primary recorded for it, as election input.</summary>
/// <param name="Memory">Memory name.</param>
/// <param name="Shard">Shard index within the memory.</param>
/// <param name="PrimaryNode">The recorded primary (possibly the last one, on a dead node); null when none was ever chosen.</param>
public sealed record ShardPrimary(string Memory, int Shard, string? PrimaryNode);
