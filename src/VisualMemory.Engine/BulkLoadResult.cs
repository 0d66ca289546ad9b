namespace VisualMemory.Engine;

/// <summary>
/// What <see cref="LocalMemory.BulkLoadAsync"/> did with one chunk. Every row is counted once:
/// <see cref="Rows"/> = <see cref="Added"/> + <see cref="Duplicates"/> + <see cref="AlreadyLoadedRows"/>.
/// A job that re-runs a chunk after a crash gets the chunk's final count as
/// <see cref="Added"/> + <see cref="PreviouslyAdded"/>.
/// </summary>
/// <param name="Rows">Rows in the chunk.</param>
/// <param name="Added">Rows that joined the memory in this call.</param>
/// <param name="Duplicates">Rows skipped in this call: id already live in the memory, or repeated earlier in the chunk (the first is kept).</param>
/// <param name="AlreadyLoadedRows">Rows routed to shards where this origin was registered by an earlier call; nothing was done with them.</param>
/// <param name="PreviouslyAdded">Rows the earlier calls added in those shards.</param>
/// <param name="ShardsAlreadyLoaded">Shards where this origin was registered by an earlier call.</param>
public sealed record BulkLoadResult(int Rows, int Added, int Duplicates, int AlreadyLoadedRows, long PreviouslyAdded, int ShardsAlreadyLoaded)
{
    /// <summary>True when every shard the chunk routes to had registered it before: a re-run of a finished chunk.</summary>
    public bool AlreadyLoaded => AlreadyLoadedRows == Rows && Rows > 0;
}
