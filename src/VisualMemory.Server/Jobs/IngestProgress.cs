namespace VisualMemory.Server.Jobs;

/// <summary>
/// A part's progress as its worker records it after every chunk: rows read (where a resumed worker
/// continues), and what became of them. Every row read is exactly one of added, duplicate, filtered or
/// bad, so the counts add up to <see cref="RowsRead"/> once the part is done.
/// </summary>
/// <param name="RowsRead">Rows of the part consumed, in order.</param>
/// <param name="TotalRows">Rows in the part when known up front (embedding parts).</param>
/// <param name="Added">Rows stored.</param>
/// <param name="Duplicates">Rows whose id was already stored (or repeated in the part).</param>
/// <param name="Filtered">Rows the job's filter dropped (confidence, labels).</param>
/// <param name="Bad">Rows that could not be used (malformed, missing fields, unreadable image).</param>
/// <param name="BadSamples">The first bad rows, with why (at most <see cref="MaxSamples"/>).</param>
/// <param name="Error">Why the part failed as a whole (for example a missing file).</param>
/// <param name="Seconds">Time spent on the part by its workers so far.</param>
internal sealed record IngestProgress(long RowsRead, long? TotalRows, long Added, long Duplicates, long Filtered, long Bad,
    IReadOnlyList<BadRow> BadSamples, string? Error, double Seconds)
{
    /// <summary>Bad rows listed per part; the rest are counted only.</summary>
    public const int MaxSamples = 20;

    /// <summary>A part not started.</summary>
    public static IngestProgress Empty { get; } = new(0, null, 0, 0, 0, 0, [], null, 0);
}

/// <summary>A row that could not be ingested.</summary>
/// <param name="Row">Zero-based row within its part.</param>
/// <param name="Message">Why.</param>
internal sealed record BadRow(long Row, string Message);
