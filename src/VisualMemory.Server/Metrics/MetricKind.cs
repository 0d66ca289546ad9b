namespace VisualMemory.Server.Metrics;

/// <summary>The Prometheus metric types this node exposes (no summaries: histograms aggregate across nodes, summaries do not).</summary>
internal enum MetricKind
{
    /// <summary>Only goes up (resets when the process restarts); the name ends in <c>_total</c>.</summary>
    Counter,

    /// <summary>A value that goes up and down.</summary>
    Gauge,

    /// <summary>Observations counted into cumulative buckets, with their sum and count.</summary>
    Histogram,
}
