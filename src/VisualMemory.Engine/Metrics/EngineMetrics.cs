using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisualMemory.Engine.Metrics;

/// <summary>
/// The engine's instruments (System.Diagnostics.Metrics): query stages timed around the calls into pure code
/// (shard search, top-k merge, aggregation), so Core stays free of clocks. A node's /metrics endpoint
/// renders them; without a listener a recording costs one branch.
/// </summary>
public static class EngineMetrics
{
    /// <summary>The meter name every VisualMemory layer shares, so one listener finds all of them.</summary>
    public const string MeterName = "VisualMemory";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Seconds spent in one query-path stage, labelled <c>stage</c> (shard_search, merge, aggregate here).</summary>
    public static Histogram<double> StageDuration { get; } = Meter.CreateHistogram<double>(
        "vm_stage_duration", "s", "Time spent in one stage of the query path, by stage.");

    /// <summary>Seconds one shard took to answer a search (all query rows of the call), by memory and shard.</summary>
    public static Histogram<double> ShardSearchDuration { get; } = Meter.CreateHistogram<double>(
        "vm_shard_search_duration", "s", "Time one shard took to search (all query rows of one call), by memory and shard.");

    /// <summary>Records a stage's duration since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static void RecordStage(string stage, long startTimestamp)
    {
        if (StageDuration.Enabled)
        {
            StageDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
        }
    }
}
