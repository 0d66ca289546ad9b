namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// Reads one part of a dataset in chunks, streaming: embeddings (.npy) row by row in step with their
/// metadata (CSV, JSONL or .npy columns), or an image listing. Rows that cannot be used (a malformed line,
/// a missing label, a NaN or zero vector, metadata and vectors of different lengths) are returned as
/// errors in their chunk; only a part that cannot be opened at all (a missing file, a bad .npy header,
/// .npy columns of different lengths) throws.
/// </summary>
public sealed class PartReader : IDisposable
{
    private readonly DatasetPart _part;
    private readonly NpyArray? _vectors;
    private readonly MetadataReader? _metadata;
    private readonly NpyArray? _ids;
    private readonly NpyArray? _labels;
    private readonly NpyArray? _confidence;
    private readonly NpyArray? _sources;
    private bool _metadataEnded;

    private PartReader(DatasetPart part, NpyArray? vectors, MetadataReader? metadata, NpyArray? ids, NpyArray? labels, NpyArray? confidence, NpyArray? sources)
    {
        _part = part;
        _vectors = vectors;
        _metadata = metadata;
        _ids = ids;
        _labels = labels;
        _confidence = confidence;
        _sources = sources;
    }

    /// <summary>Rows in the part when known up front (embedding parts: the .npy's first dimension); null for listings.</summary>
    public long? TotalRows => _vectors?.Rows;

    /// <summary>Vector width (0 for image parts).</summary>
    public int Dimension => _vectors?.Columns ?? 0;

    /// <summary>Rows consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Opens a part; <paramref name="open"/> gives a stream for each file the part names (local files, say).</summary>
    /// <exception cref="InvalidDataFileException">A file is not what the part says, or .npy columns differ in length.</exception>
    public static PartReader Open(DatasetPart part, Func<string, Stream> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        // Every stream is there at once, so the task has completed when this returns: nothing blocks.
        return OpenAsync(part, (file, _) => Task.FromResult(open(file))).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Opens a part; <paramref name="open"/> gives a stream for each file the part names, e.g. an object in
    /// object storage streamed as it is read. Only the headers are read here.
    /// </summary>
    /// <exception cref="InvalidDataFileException">A file is not what the part says, or .npy columns differ in length.</exception>
    public static async Task<PartReader> OpenAsync(DatasetPart part, Func<string, CancellationToken, Task<Stream>> open, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(open);
        var opened = new List<IDisposable>();
        try
        {
            T Track<T>(T value) where T : IDisposable
            {
                opened.Add(value);
                return value;
            }
            async Task<Stream> Stream(string file) => Track(await open(file, cancellationToken).ConfigureAwait(false));
            async Task<NpyArray?> Npy(string? file) => file is null ? null : Track(NpyArray.Open(await Stream(file).ConfigureAwait(false), file));
            if (part.Kind == DatasetPartKind.Images)
            {
                return new PartReader(part, null, Track(new MetadataReader(await Stream(part.Images!).ConfigureAwait(false), part.Images!, requireUri: true)), null, null, null, null);
            }
            if (part.Kind != DatasetPartKind.Embeddings)
            {
                throw new InvalidDataFileException($"part '{part.Name}': give \"vectors\" or \"images\"");
            }
            var vectors = (await Npy(part.Vectors).ConfigureAwait(false))!;
            if (vectors.Kind != 'f')
            {
                throw new InvalidDataFileException($"{part.Vectors}: embeddings must be float16 or float32, not '{vectors.Kind}{vectors.ItemSize}'");
            }
            var metadata = part.Metadata is null ? null : Track(new MetadataReader(await Stream(part.Metadata).ConfigureAwait(false), part.Metadata, requireUri: false));
            var ids = await Npy(part.Ids).ConfigureAwait(false);
            var labels = await Npy(part.Labels).ConfigureAwait(false);
            var confidence = await Npy(part.Confidence).ConfigureAwait(false);
            var sources = await Npy(part.Sources).ConfigureAwait(false);
            foreach (var (column, file) in new[] { (ids, part.Ids), (labels, part.Labels), (confidence, part.Confidence), (sources, part.Sources) })
            {
                if (column is not null && (column.Rows != vectors.Rows || column.Columns != 1))
                {
                    throw new InvalidDataFileException($"{file}: {column.Rows}x{column.Columns} values for {vectors.Rows} vectors; a column needs one value per vector");
                }
            }
            if (ids is not null && ids.Kind is not ('i' or 'u'))
            {
                throw new InvalidDataFileException($"{part.Ids}: ids must be integers");
            }
            return new PartReader(part, vectors, metadata, ids, labels, confidence, sources);
        }
        catch
        {
            foreach (var item in opened)
            {
                item.Dispose();
            }
            throw;
        }
    }

    /// <summary>Skips rows already ingested (a resumed job), without using them.</summary>
    public void Skip(long rows)
    {
        while (rows > 0)
        {
            var chunk = ReadChunk((int)Math.Min(rows, 65_536), validate: false);
            if (chunk is null)
            {
                return;
            }
            rows -= chunk.RowsRead;
        }
    }

    /// <summary>The next up-to-<paramref name="maxRows"/> rows, or null when the part is exhausted.</summary>
    public IngestChunk? ReadChunk(int maxRows) => ReadChunk(maxRows, validate: true);

    /// <summary>Closes every file.</summary>
    public void Dispose()
    {
        _vectors?.Dispose();
        _metadata?.Dispose();
        _ids?.Dispose();
        _labels?.Dispose();
        _confidence?.Dispose();
        _sources?.Dispose();
    }

    private IngestChunk? ReadChunk(int maxRows, bool validate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        return _vectors is null ? ReadListing(maxRows) : ReadEmbeddings(maxRows, validate);
    }

    private IngestChunk? ReadListing(int maxRows)
    {
        var rows = new List<MetadataRow>(maxRows);
        while (rows.Count < maxRows && _metadata!.Next() is { } row)
        {
            rows.Add(row);
        }
        if (rows.Count == 0)
        {
            return null;
        }
        var first = Position;
        Position += rows.Count;
        var good = rows.Where(r => r.Error is null).ToList();
        return new IngestChunk
        {
            Part = _part.Name,
            FirstRow = first,
            RowsRead = rows.Count,
            Rows = [.. good.Select(r => r.Row)],
            Ids = [.. good.Select(r => r.Id)],
            Labels = [.. good.Select(r => r.Label)],
            Confidence = [.. good.Select(r => r.Confidence)],
            Sources = [.. good.Select(r => r.Source)],
            Uris = [.. good.Select(r => r.Uri!)],
            Errors = [.. rows.Where(r => r.Error is not null).Select(r => new RowError(_part.Name, r.Row, r.Error!))],
        };
    }

    private IngestChunk? ReadEmbeddings(int maxRows, bool validate)
    {
        var vectors = _vectors!;
        var count = (int)Math.Min(maxRows, vectors.Rows - vectors.Position);
        if (count <= 0)
        {
            return ReadMetadataSurplus(maxRows);
        }
        var d = vectors.Columns;
        var data = new float[count * d];
        vectors.ReadFloats(count, data);
        var first = Position;
        Position += count;
        var metadata = new MetadataRow[count];
        if (_metadata is not null)
        {
            for (var i = 0; i < count; i++)
            {
                var next = _metadataEnded ? null : _metadata.Next();
                _metadataEnded |= next is null;
                metadata[i] = next ?? MetadataRow.Bad(first + i, "no metadata row for this vector (the metadata file has fewer rows)");
            }
        }
        else
        {
            var ids = _ids!.ReadIntegers(count);
            var labels = _labels!.ReadStrings(count);
            var confidence = _confidence?.ReadNumbers(count);
            var sources = _sources?.ReadStrings(count);
            for (var i = 0; i < count; i++)
            {
                var c = confidence?[i];
                metadata[i] = string.IsNullOrWhiteSpace(labels[i]) ? MetadataRow.Bad(first + i, "label is missing")
                    : c is { } value && !(value >= 0 && value <= 1) ? MetadataRow.Bad(first + i, $"confidence {value} is not in [0, 1]")
                    : new MetadataRow(first + i, ids[i], labels[i], c is null ? null : (float)c, sources?[i], null);
            }
        }
        if (!validate)
        {
            return new IngestChunk { Part = _part.Name, FirstRow = first, RowsRead = count, Rows = [], Ids = [], Labels = [], Confidence = [], Sources = [], Errors = [], Dimension = d, Vectors = [] };
        }
        var errors = new List<RowError>();
        var keep = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            var row = metadata[i];
            var problem = row.Error ?? VectorProblem(data.AsSpan(i * d, d));
            if (problem is null)
            {
                keep.Add(i);
            }
            else
            {
                errors.Add(new RowError(_part.Name, first + i, problem));
            }
        }
        var kept = new float[keep.Count * d];
        for (var i = 0; i < keep.Count; i++)
        {
            data.AsSpan(keep[i] * d, d).CopyTo(kept.AsSpan(i * d));
        }
        return new IngestChunk
        {
            Part = _part.Name,
            FirstRow = first,
            RowsRead = count,
            Rows = [.. keep.Select(i => first + i)],
            Ids = [.. keep.Select(i => metadata[i].Id)],
            Labels = [.. keep.Select(i => metadata[i].Label)],
            Confidence = [.. keep.Select(i => metadata[i].Confidence)],
            Sources = [.. keep.Select(i => metadata[i].Source)],
            Vectors = kept,
            Dimension = d,
            Errors = errors,
        };
    }

    // Metadata rows beyond the last vector are errors too, so the part's row count is the longer of the two.
    private IngestChunk? ReadMetadataSurplus(int maxRows)
    {
        if (_metadata is null || _metadataEnded)
        {
            return null;
        }
        var errors = new List<RowError>();
        while (errors.Count < maxRows && _metadata.Next() is { } row)
        {
            errors.Add(new RowError(_part.Name, row.Row, "no vector for this metadata row (the .npy has fewer rows)"));
        }
        _metadataEnded = errors.Count < maxRows;
        if (errors.Count == 0)
        {
            return null;
        }
        var first = Position;
        Position += errors.Count;
        return new IngestChunk { Part = _part.Name, FirstRow = first, RowsRead = errors.Count, Rows = [], Ids = [], Labels = [], Confidence = [], Sources = [], Errors = errors, Vectors = [], Dimension = _vectors!.Columns };
    }

    private static string? VectorProblem(ReadOnlySpan<float> vector)
    {
        var norm = 0.0;
        foreach (var v in vector)
        {
            if (!float.IsFinite(v))
            {
                return "the vector holds NaN or infinity";
            }
            norm += (double)v * v;
        }
        return norm > 0 ? null : "the vector is all zeros";
    }
}
