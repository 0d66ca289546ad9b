namespace VisualMemory.Server.Metrics;

/// <summary>
/// One labelled series of a family. Counters and gauges use <see cref="Value"/>; histograms use
/// <see cref="Bounds"/> (upper bounds, ascending, without +Inf), <see cref="BucketCounts"/> (observations per
/// bucket, not cumulative, one more than the bounds: the last is the +Inf bucket), <see cref="Sum"/> and <see cref="Count"/>.
/// </summary>
internal sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value)
{
    public IReadOnlyList<double> Bounds { get; init; } = [];

    public IReadOnlyList<long> BucketCounts { get; init; } = [];

    public double Sum { get; init; }

    public long Count { get; init; }
}
