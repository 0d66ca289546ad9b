using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// The series of one instrument, keyed by their rendered label set. Each series has its own lock: a
/// measurement touches one series, so concurrent requests contend only when they share labels.
/// </summary>
internal sealed class InstrumentState(Instrument instrument, string name, MetricKind kind, RecordMode mode, double[] bounds)
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    public Instrument Instrument { get; } = instrument;

    public string Name { get; } = name;

    public MetricKind Kind { get; } = kind;

    public double[] Bounds { get; } = bounds;

    public bool Observable => Instrument.IsObservable;

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var (key, labels) = LabelsOf(tags);
        var series = _series.GetOrAdd(key, static (_, state) => new Series(state.labels, state.buckets), (labels, buckets: Bounds.Length + 1));
        lock (series)
        {
            switch (mode)
            {
                case RecordMode.Add:
                    series.Value += value;
                    break;
                case RecordMode.Set:
                    series.Value = value;
                    break;
                default:
                    // Buckets are upper-inclusive (le): the first bound not below the value.
                    var index = Array.BinarySearch(Bounds, value);
                    series.Counts[index >= 0 ? index : ~index]++;
                    series.Sum += value;
                    series.Count++;
                    break;
            }
        }
    }

    public void Clear() => _series.Clear();

    public IEnumerable<(string Key, MetricSeries Series)> Snapshot()
    {
        foreach (var (key, series) in _series)
        {
            lock (series)
            {
                yield return (key, new MetricSeries(series.Labels, series.Value)
                {
                    Bounds = Bounds,
                    BucketCounts = Kind == MetricKind.Histogram ? [.. series.Counts] : [],
                    Sum = series.Sum,
                    Count = series.Count,
                });
            }
        }
    }

    // Instrument tags and measurement tags, as sorted label pairs; the key is their rendering, unique per set.
    private (string Key, KeyValuePair<string, string>[] Labels) LabelsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (var tag in Instrument.Tags ?? [])
        {
            labels.Add(new(PrometheusNames.Label(tag.Key), Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
        foreach (var tag in tags)
        {
            labels.Add(new(PrometheusNames.Label(tag.Key), Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
        labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var key = new StringBuilder();
        foreach (var (label, value) in labels)
        {
            key.Append(label).Append('=').Append(PrometheusNames.EscapeLabelValue(value)).Append('\u0001');
        }
        return (key.ToString(), [.. labels]);
    }

    private sealed class Series(KeyValuePair<string, string>[] labels, int buckets)
    {
        public KeyValuePair<string, string>[] Labels { get; } = labels;

        public long[] Counts { get; } = new long[buckets];

        public double Value { get; set; }

        public double Sum { get; set; }

        public long Count { get; set; }
    }
}
