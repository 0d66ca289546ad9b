namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// Consecutive rows of one part, as read: the usable rows in columns (ids, labels, confidence, sources, and
/// either vectors or image URIs), and the rows that could not be used with their errors.
/// </summary>
public sealed class IngestChunk
{
    /// <summary>The part's name.</summary>
    public required string Part { get; init; }

    /// <summary>Row number of the first row read into this chunk.</summary>
    public required long FirstRow { get; init; }

    /// <summary>Rows read, usable or not: the next chunk starts at <see cref="FirstRow"/> + this.</summary>
    public required int RowsRead { get; init; }

    /// <summary>Row number of each usable row.</summary>
    public required long[] Rows { get; init; }

    /// <summary>Id of each usable row.</summary>
    public required long[] Ids { get; init; }

    /// <summary>Label of each usable row.</summary>
    public required string[] Labels { get; init; }

    /// <summary>Confidence of each usable row, null where the data gives none.</summary>
    public required float?[] Confidence { get; init; }

    /// <summary>Source tag of each usable row, or null.</summary>
    public required string?[] Sources { get; init; }

    /// <summary>Image locations (image parts), one per usable row; null for embedding parts.</summary>
    public string[]? Uris { get; init; }

    /// <summary>Embeddings (embedding parts), row-major, <see cref="Dimension"/> per usable row; null for image parts.</summary>
    public float[]? Vectors { get; init; }

    /// <summary>Vector width (0 for image parts).</summary>
    public int Dimension { get; init; }

    /// <summary>Rows not usable, with why.</summary>
    public required IReadOnlyList<RowError> Errors { get; init; }

    /// <summary>Usable rows.</summary>
    public int Count => Ids.Length;

    /// <summary>The usable rows <paramref name="keep"/> accepts (by index), in order; errors are kept.</summary>
    public IngestChunk Where(Func<int, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var kept = Enumerable.Range(0, Count).Where(keep).ToArray();
        if (kept.Length == Count)
        {
            return this;
        }
        float[]? vectors = null;
        if (Vectors is not null)
        {
            vectors = new float[kept.Length * Dimension];
            for (var i = 0; i < kept.Length; i++)
            {
                Vectors.AsSpan(kept[i] * Dimension, Dimension).CopyTo(vectors.AsSpan(i * Dimension));
            }
        }
        return new IngestChunk
        {
            Part = Part,
            FirstRow = FirstRow,
            RowsRead = RowsRead,
            Rows = [.. kept.Select(i => Rows[i])],
            Ids = [.. kept.Select(i => Ids[i])],
            Labels = [.. kept.Select(i => Labels[i])],
            Confidence = [.. kept.Select(i => Confidence[i])],
            Sources = [.. kept.Select(i => Sources[i])],
            Uris = Uris is null ? null : [.. kept.Select(i => Uris[i])],
            Vectors = vectors,
            Dimension = Dimension,
            Errors = Errors,
        };
    }
}
