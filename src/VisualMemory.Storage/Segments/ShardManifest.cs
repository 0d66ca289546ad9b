namespace VisualMemory.Storage.Segments;

/// <summary>
/// A shard's durable state: the sealed segments that make it up and the write-ahead-log position they
/// cover (the log is replayed from there on load). Stored as one generation object per change,
/// <c>memories/{memory}/shards/{shard}/manifest-{generation:D12}.json</c>; the highest generation is
/// the current state.
/// </summary>
/// <param name="Generation">The generation number; each change writes the next one (≥ 0).</param>
/// <param name="Segments">The segment numbers of the shard, ascending.</param>
/// <param name="LogPosition">The log position the segments cover: every log entry before it is in a segment (≥ 0).</param>
/// <param name="CreatedUtc">When this generation was written.</param>
/// <param name="Origins">
/// The bulk-load origins registered in the shard (a caller's stable key for a chunk of rows) with the
/// rows each added, or null for none. Kept here rather than with the segments because it must outlive
/// them: a segment whose rows were all deleted is dropped, and merges and compactions rewrite segments,
/// but a chunk loaded once must stay loaded. An optional field of format version 1: manifests without it
/// read as having none, and a reader that predates it ignores it.
/// </param>
public sealed record ShardManifest(long Generation, IReadOnlyList<long> Segments, long LogPosition, DateTimeOffset CreatedUtc,
    IReadOnlyDictionary<string, long>? Origins = null)
{
    /// <summary>The only shard manifest format version this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The envelope kind of a shard manifest.</summary>
    internal const string Kind = "visualmemory.shard";
}

/// <summary>One stored shard manifest generation and whether it verified, from <see cref="ShardManifestStore.InspectAsync"/>.</summary>
/// <param name="Generation">The generation number from its key.</param>
/// <param name="Key">Its key.</param>
/// <param name="Manifest">The manifest when it verified, else null.</param>
/// <param name="Error">Why it did not verify, else null.</param>
public sealed record ShardManifestGeneration(long Generation, string Key, ShardManifest? Manifest, CorruptShardManifestException? Error);
