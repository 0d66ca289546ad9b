namespace VisualMemory.Storage.Segments;

/// <summary>
/// A sealed segment's manifest (<c>manifest.json</c>, written after every data object): format
/// version, segment number, dimension, row count, creation time and, per data object, its name
/// (relative to the segment's prefix), size and SHA-256.
/// </summary>
/// <param name="FormatVersion">The format version (<see cref="CurrentFormatVersion"/>).</param>
/// <param name="Number">The segment number.</param>
/// <param name="Dimension">The vector dimension.</param>
/// <param name="RowCount">Rows in the segment.</param>
/// <param name="CreatedUtc">When the segment was written.</param>
/// <param name="Objects">The data objects, in <see cref="SegmentObjectNames.DataObjects"/> order.</param>
public sealed record SegmentManifest(
    int FormatVersion,
    long Number,
    int Dimension,
    int RowCount,
    DateTimeOffset CreatedUtc,
    IReadOnlyList<SegmentObjectEntry> Objects)
{
    /// <summary>The only segment format version this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The envelope kind of a segment manifest.</summary>
    internal const string Kind = "visualmemory.segment";

    /// <summary>Total bytes of the data objects (not counting the manifest).</summary>
    public long DataBytes => Objects.Sum(o => o.Size);
}

/// <summary>One data object of a segment.</summary>
/// <param name="Name">Its name inside the segment's prefix (e.g. <c>ids.bin</c>).</param>
/// <param name="Key">Its full key.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">The lowercase hex SHA-256 of its content.</param>
public sealed record SegmentObjectEntry(string Name, string Key, long Size, string Sha256);
