namespace VisualMemory.Engine;

/// <summary>What a checkpoint did with an <see cref="EncodedSegment"/> it was asked to attach.</summary>
/// <param name="AlreadyRegistered">The shard had registered the origin before: nothing was attached now.</param>
/// <param name="Added">Rows that joined the shard now (0 when already registered).</param>
/// <param name="Duplicates">Rows not added because their id was already live in the shard or came earlier in the same rows.</param>
/// <param name="PreviouslyAdded">When already registered: the rows the origin added then.</param>
public sealed record ShardAttachment(bool AlreadyRegistered, int Added, int Duplicates, long PreviouslyAdded);
