namespace VisualMemory.Datasets.Ingest;

/// <summary>One row of a part's metadata or image listing, or why it could not be read.</summary>
/// <param name="Row">Zero-based row number within the part (data rows; a CSV header is not counted).</param>
/// <param name="Id">Item id.</param>
/// <param name="Label">Pseudo-label.</param>
/// <param name="Confidence">The labeller's confidence in [0, 1], when given.</param>
/// <param name="Source">Source tag, when given.</param>
/// <param name="Uri">Image location (image listings only).</param>
/// <param name="Error">Why the row is unusable; the other fields are then unset.</param>
public sealed record MetadataRow(long Row, long Id, string Label, float? Confidence, string? Source, string? Uri, string? Error = null)
{
    /// <summary>An unusable row.</summary>
    public static MetadataRow Bad(long row, string error) => new(row, 0, "", null, null, null, error);
}
