using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisualMemory.Core.Diagnostics;

/// <summary>
/// Time spent in each stage of the query path (decode, queue_wait, embed, fanout, shard_search, merge,
/// aggregate), as one histogram labelled <c>stage</c>. Each layer times the stages only it can see the ends
/// of, around its calls into pure code, so the pure code itself stays free of clocks.
/// </summary>
public static class StageTiming
{
    /// <summary>Seconds spent in one query-path stage, labelled <c>stage</c>.</summary>
    public static Histogram<double> Duration { get; } = Metering.Meter.CreateHistogram<double>(
        "vm_stage_duration", "s", "Time spent in one stage of the query path, by stage.");

    /// <summary>Whether anyone listens, so a caller can skip work done only to record.</summary>
    public static bool Enabled => Duration.Enabled;

    /// <summary>Records <paramref name="stage"/>'s duration since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static void Record(string stage, long startTimestamp)
    {
        if (Duration.Enabled)
        {
            Record(stage, Stopwatch.GetElapsedTime(startTimestamp));
        }
    }

    /// <summary>Records that <paramref name="stage"/> took <paramref name="elapsed"/>.</summary>
    public static void Record(string stage, TimeSpan elapsed) =>
        Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
}
