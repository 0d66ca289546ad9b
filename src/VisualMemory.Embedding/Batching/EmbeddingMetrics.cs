using System.Diagnostics.Metrics;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Embedding.Batching;

/// <summary>
/// The batcher's own instrument, rows per model run, on the shared <see cref="Metering.Meter"/>. The batcher
/// also times the queue_wait and embed stages (<see cref="StageTiming"/>): only it sees where a row's wait
/// ends and its run begins.
/// </summary>
public static class EmbeddingMetrics
{
    /// <summary>Rows per model run.</summary>
    public static Histogram<int> BatchSize { get; } = Metering.Meter.CreateHistogram<int>(
        "vm_embedding_batch_size", null, "Images per embedding model run.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
}
