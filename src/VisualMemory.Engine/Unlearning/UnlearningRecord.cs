namespace VisualMemory.Engine.Unlearning;

/// <summary>One acknowledged unlearning request, as kept in a memory's audit log.</summary>
/// <param name="Sequence">Position in the log, from 1.</param>
/// <param name="Kind">What the request selected by.</param>
/// <param name="Selector">The source tag or label, or the requested ids as a comma-separated list (truncated for long lists).</param>
/// <param name="Requested">How many ids were asked for (1 for source and label requests).</param>
/// <param name="Deleted">How many stored items were deleted.</param>
/// <param name="At">When the deletion was acknowledged; from then on no search returns the items.</param>
/// <param name="ForgottenAt">
/// When no stored object (segment or write-ahead log) held the deleted items any more, once
/// compaction and log truncation have run; null until then.
/// </param>
public sealed record UnlearningRecord(long Sequence, UnlearningKind Kind, string Selector, long Requested, long Deleted, DateTimeOffset At, DateTimeOffset? ForgottenAt = null);
