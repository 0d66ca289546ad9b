using System.Diagnostics.Metrics;

namespace VisualMemory.Embedding.Batching;

/// <summary>
/// The batcher's instruments: time a row waited in the queue, time a model run took, rows per run.
/// They live here rather than in the server because only the batcher sees where a row's wait ends and its run begins.
/// </summary>
public static class EmbeddingMetrics
{
    private static readonly Meter Meter = new("VisualMemory");

    /// <summary>Seconds per query-path stage: queue_wait (per row) and embed (per model run) here.</summary>
    public static Histogram<double> StageDuration { get; } = Meter.CreateHistogram<double>(
        "vm_stage_duration", "s", "Time spent in one stage of the query path, by stage.");

    /// <summary>Rows per model run.</summary>
    public static Histogram<int> BatchSize { get; } = Meter.CreateHistogram<int>(
        "vm_embedding_batch_size", null, "Images per embedding model run.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
}
