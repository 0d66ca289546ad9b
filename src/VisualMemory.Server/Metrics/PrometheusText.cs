using System.Globalization;
using System.Text;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// Renders metric families in the Prometheus text exposition format 0.0.4: per family one <c># HELP</c> and
/// one <c># TYPE</c> line, then its samples; histograms as cumulative <c>_bucket{le="…"}</c> lines ending in
/// <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>. Lines end in a line feed.
/// </summary>
internal static class PrometheusText
{
    /// <summary>The content type Prometheus expects for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Render(IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        var text = new StringBuilder();
        foreach (var family in families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(PrometheusNames.EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Kind)).Append('\n');
            foreach (var series in family.Series)
            {
                if (family.Kind != MetricKind.Histogram)
                {
                    Sample(text, family.Name, series.Labels, null, series.Value);
                    continue;
                }
                long cumulative = 0;
                for (var b = 0; b < series.BucketCounts.Count; b++)
                {
                    cumulative += series.BucketCounts[b];
                    var le = b < series.Bounds.Count ? Number(series.Bounds[b]) : "+Inf";
                    Sample(text, family.Name + "_bucket", series.Labels, le, cumulative);
                }
                Sample(text, family.Name + "_sum", series.Labels, null, series.Sum);
                Sample(text, family.Name + "_count", series.Labels, null, series.Count);
            }
        }
        return text.ToString();
    }

    /// <summary>A sample value as Prometheus writes it: shortest round-trip form, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void Sample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Count > 0 || le is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (key, labelValue) in labels)
            {
                text.Append(first ? "" : ",").Append(key).Append("=\"").Append(PrometheusNames.EscapeLabelValue(labelValue)).Append('"');
                first = false;
            }
            if (le is not null)
            {
                text.Append(first ? "" : ",").Append("le=\"").Append(le).Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string TypeName(MetricKind kind) => kind switch
    {
        MetricKind.Counter => "counter",
        MetricKind.Gauge => "gauge",
        _ => "histogram",
    };
}
