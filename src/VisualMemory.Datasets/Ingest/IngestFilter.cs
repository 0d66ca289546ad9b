namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// Which pseudo-labelled rows a job keeps: a minimum labeller confidence (rows without a confidence pass) and
/// an optional allow-list of labels. Rows it drops are counted as filtered, not as errors.
/// </summary>
/// <param name="MinConfidence">Rows whose confidence is below this are dropped; null keeps every row.</param>
/// <param name="Labels">Only these labels are kept; null or empty keeps every label.</param>
public sealed record IngestFilter(float? MinConfidence = null, IReadOnlySet<string>? Labels = null)
{
    /// <summary>Whether the filter drops nothing.</summary>
    public bool KeepsAll => MinConfidence is null && (Labels is null || Labels.Count == 0);

    /// <summary>The rows of <paramref name="chunk"/> this filter keeps, and how many it dropped.</summary>
    public (IngestChunk Kept, int Filtered) Apply(IngestChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (KeepsAll)
        {
            return (chunk, 0);
        }
        var kept = chunk.Where(i =>
            (MinConfidence is not { } min || chunk.Confidence[i] is not { } c || c >= min)
            && (Labels is not { Count: > 0 } allowed || allowed.Contains(chunk.Labels[i])));
        return (kept, chunk.Count - kept.Count);
    }
}
