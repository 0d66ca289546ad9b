using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// A <see cref="MeterListener"/> that keeps the current value of every series of the instruments it accepts,
/// and reads them as Prometheus families on <see cref="Collect"/>: counters and histograms accumulate from
/// process start, observable instruments are asked at collection time. Written here because the OpenTelemetry
/// Prometheus exporter does not restore in this environment; this is the part of it a scrape needs.
/// </summary>
/// <remarks>
/// Instruments of several meters that map to the same Prometheus name (say, a library's and ours)
/// form one family, their series merged by label set. An instrument whose type or buckets disagree with the
/// family's first is left out rather than rendered as a second family of the same name.
/// </remarks>
internal sealed class MeterCollector : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _collecting = new();

    /// <summary>Starts listening to every instrument, present and future, whose meter <paramref name="accept"/> takes.</summary>
    public MeterCollector(Func<Meter, bool> accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!accept(instrument.Meter) || Describe(instrument) is not { } state)
            {
                return;
            }
            _instruments[instrument] = state;
            listener.EnableMeasurementEvents(instrument, state);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _);
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Every family, sorted by name, with observable instruments read now.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collecting)
        {
            // Observable series are what the callbacks report now: a memory dropped since the last scrape disappears.
            foreach (var state in _instruments.Values.Where(s => s.Observable))
            {
                state.Clear();
            }
            _listener.RecordObservableInstruments();
            var families = new List<MetricFamily>();
            foreach (var group in _instruments.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // The type most instruments of the name agree on decides; ties go to the first meter by name, so the choice is stable.
                var first = group.OrderByDescending(s => group.Count(o => o.Kind == s.Kind))
                    .ThenBy(s => s.Instrument.Meter.Name, StringComparer.Ordinal).First();
                var merged = new SortedDictionary<string, MetricSeries>(StringComparer.Ordinal);
                foreach (var state in group.Where(s => s.Kind == first.Kind && s.Bounds.SequenceEqual(first.Bounds)))
                {
                    foreach (var (key, series) in state.Snapshot())
                    {
                        merged[key] = merged.TryGetValue(key, out var other) ? Merge(first.Kind, other, series) : series;
                    }
                }
                if (merged.Count > 0)
                {
                    families.Add(new MetricFamily(group.Key, first.Kind, first.Instrument.Description ?? group.Key, [.. merged.Values]));
                }
            }
            return families;
        }
    }

    public void Dispose() => _listener.Dispose();

    private static MetricSeries Merge(MetricKind kind, MetricSeries a, MetricSeries b) => kind switch
    {
        MetricKind.Gauge => b,
        MetricKind.Counter => a with { Value = a.Value + b.Value },
        _ => a with
        {
            BucketCounts = [.. a.BucketCounts.Zip(b.BucketCounts, (x, y) => x + y)],
            Sum = a.Sum + b.Sum,
            Count = a.Count + b.Count,
        },
    };

    private static InstrumentState? Describe(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
        (MetricKind Kind, RecordMode Mode)? shape =
            definition == typeof(Counter<>) ? (MetricKind.Counter, RecordMode.Add)
            : definition == typeof(ObservableCounter<>) ? (MetricKind.Counter, RecordMode.Set)
            : definition == typeof(UpDownCounter<>) ? (MetricKind.Gauge, RecordMode.Add)
            : definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>) ? (MetricKind.Gauge, RecordMode.Set)
            : definition == typeof(Histogram<>) ? (MetricKind.Histogram, RecordMode.Observe)
            : null;
        if (shape is not { } s)
        {
            return null;
        }
        // The runtime publishes these current values as observable counters; they go up and down, so they are gauges.
        if (instrument.Meter.Name == "System.Runtime" && instrument.Name is "dotnet.thread_pool.thread.count" or "dotnet.thread_pool.queue.length")
        {
            s = (MetricKind.Gauge, RecordMode.Set);
        }
        var bounds = s.Kind != MetricKind.Histogram ? [] : AdvisedBounds(instrument) ?? (instrument.Unit == "s" ? SecondsBuckets : DefaultBuckets);
        return new InstrumentState(instrument, PrometheusNames.Metric(instrument, s.Kind), s.Kind, s.Mode, bounds);
    }

    private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };
}
