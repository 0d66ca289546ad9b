namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/unlearn: exactly one of ids, source or label.</summary>
/// <param name="Ids">Item ids to delete.</param>
/// <param name="Source">Delete every item with this source tag.</param>
/// <param name="Label">Delete every item with this label.</param>
public sealed record UnlearnRequest(IReadOnlyList<long>? Ids, string? Source, string? Label);

/// <summary>An unlearning audit record.</summary>
/// <param name="Sequence">Position in the log.</param>
/// <param name="Kind">"ids", "source" or "label".</param>
/// <param name="Selector">The ids (abridged), source or label.</param>
/// <param name="Requested">Ids asked for (1 for source/label).</param>
/// <param name="Deleted">Items deleted.</param>
/// <param name="At">When the deletion was acknowledged.</param>
/// <param name="ForgottenAt">When no stored object (segment or write-ahead log) held the items any more; null while compaction is pending.</param>
public sealed record UnlearningRecordOutput(long Sequence, string Kind, string Selector, long Requested, long Deleted, DateTimeOffset At, DateTimeOffset? ForgottenAt);

/// <summary>Response of GET /v1/memories/{name}/unlearning.</summary>
/// <param name="Records">Oldest first.</param>
public sealed record UnlearningLogOutput(IReadOnlyList<UnlearningRecordOutput> Records);
