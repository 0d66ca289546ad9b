using System.Diagnostics.Metrics;
using System.Text;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// Instrument names and units to Prometheus names: dots and other characters to underscores, the base unit as
/// a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>), <c>_total</c> on counters, and the
/// <c>vm_</c> prefix on everything this node exposes (the runtime's <c>dotnet.*</c> instruments included),
/// so one prefix finds all of a node's series.
/// </summary>
internal static class PrometheusNames
{
    public const string Prefix = "vm_";

    // The runtime's current-count gauges: a gauge ending in _count reads like a histogram's _count series (promtool
    // warns), so these get plural names; any other such gauge just loses the suffix.
    private static readonly Dictionary<string, string> CountGauges = new(StringComparer.Ordinal)
    {
        ["dotnet.assembly.count"] = "dotnet_assemblies",
        ["dotnet.process.cpu.count"] = "dotnet_process_cpus",
        ["dotnet.thread_pool.thread.count"] = "dotnet_thread_pool_threads",
        ["dotnet.timer.count"] = "dotnet_timers",
    };

    public static string Metric(Instrument instrument, MetricKind kind)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var name = Sanitize(instrument.Name, allowColon: true);
        if (kind == MetricKind.Gauge && name.EndsWith("_count", StringComparison.Ordinal))
        {
            name = CountGauges.GetValueOrDefault(instrument.Name) ?? name[..^"_count".Length];
        }
        var suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            name = Prefix + name;
        }
        if (kind == MetricKind.Counter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        return name;
    }

    /// <summary>A tag key as a label name: [a-zA-Z_][a-zA-Z0-9_]*, with the reserved <c>__</c> prefix avoided.</summary>
    public static string Label(string key)
    {
        var name = Sanitize(key, allowColon: false);
        return name.StartsWith("__", StringComparison.Ordinal) ? "x" + name : name;
    }

    /// <summary>A label value as the text format quotes it: backslash, double quote and line feed escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Help text as the text format takes it: backslash and line feed escaped.</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Sanitize(string text, bool allowColon)
    {
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        return builder.ToString();
    }
}
