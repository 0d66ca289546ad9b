using System.Diagnostics.Metrics;
using VisualMemory.Server.Metrics;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>The collector and the text format, rendered exactly: names, units, _total, escaping, cumulative buckets.</summary>
public sealed class ExpositionFormatTests
{
    [Fact]
    public void A_counter_a_gauge_and_a_histogram_render_exactly_in_the_text_format()
    {
        using var meter = new Meter("ExpositionFormatTests");
        using var collector = new MeterCollector(m => ReferenceEquals(m, meter));
        var requests = meter.CreateCounter<long>("test.requests", null, "Requests seen.");
        meter.CreateObservableGauge("vm_test_depth", () => new Measurement<long>(42, new KeyValuePair<string, object?>("queue", "main")), "By", "Bytes\nqueued.");
        var latency = meter.CreateHistogram<double>("vm_test_latency", "s", "Latency.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1] });

        requests.Add(2, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        requests.Add(3, new KeyValuePair<string, object?>("path", "a\"b\\c\nd"));
        requests.Add(1, new KeyValuePair<string, object?>("path", "x"), new KeyValuePair<string, object?>("http.status", 200));
        foreach (var value in new[] { 0.25, 0.5, 0.75, 4 })
        {
            latency.Record(value);
        }

        var text = PrometheusText.Render(collector.Collect());

        Assert.Equal(
            """
            # HELP vm_test_depth_bytes Bytes\nqueued.
            # TYPE vm_test_depth_bytes gauge
            vm_test_depth_bytes{queue="main"} 42
            # HELP vm_test_latency_seconds Latency.
            # TYPE vm_test_latency_seconds histogram
            vm_test_latency_seconds_bucket{le="0.5"} 2
            vm_test_latency_seconds_bucket{le="1"} 3
            vm_test_latency_seconds_bucket{le="+Inf"} 4
            vm_test_latency_seconds_sum 5.5
            vm_test_latency_seconds_count 4
            # HELP vm_test_requests_total Requests seen.
            # TYPE vm_test_requests_total counter
            vm_test_requests_total{http_status="200",path="x"} 1
            vm_test_requests_total{path="a\"b\\c\nd"} 5

            """.ReplaceLineEndings("\n"),
            text);
        Assert.Empty(StrictExpositionParser.Problems(text));
    }

    [Fact]
    public void Instruments_of_several_meters_with_one_name_form_one_family_with_merged_series()
    {
        using var first = new Meter("ExpositionFormatTests.A");
        using var second = new Meter("ExpositionFormatTests.B");
        using var collector = new MeterCollector(m => ReferenceEquals(m, first) || ReferenceEquals(m, second));
        var stage = new KeyValuePair<string, object?>("stage", "merge");
        first.CreateHistogram<double>("vm_stage", "s").Record(0.002, stage);
        second.CreateHistogram<double>("vm_stage", "s").Record(0.003, stage);
        second.CreateHistogram<double>("vm_stage", "s").Record(0.5, new KeyValuePair<string, object?>("stage", "embed"));
        // Same name, other type: left out, never a second family of the same name.
        first.CreateUpDownCounter<long>("vm_stage", "s").Add(1);

        var families = collector.Collect();

        var family = Assert.Single(families);
        Assert.Equal("vm_stage_seconds", family.Name);
        Assert.Equal(MetricKind.Histogram, family.Kind);
        Assert.Equal(2, family.Series.Count);
        var merge = family.Series.Single(s => s.Labels.Single().Value == "merge");
        Assert.Equal(2, merge.Count);
        Assert.Equal(0.005, merge.Sum, 12);
        Assert.Empty(StrictExpositionParser.Problems(PrometheusText.Render(families)));
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    [InlineData(-3.0, "-3")]
    public void Sample_values_use_the_text_formats_spelling(double value, string expected) =>
        Assert.Equal(expected, PrometheusText.Number(value));
}
