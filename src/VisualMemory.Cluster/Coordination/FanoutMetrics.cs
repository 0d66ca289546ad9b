using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VisualMemory.Cluster.Coordination;

/// <summary>
/// The fan-out's instruments: the coordinator-side merge of the hosts' answers, and replica retries.
/// Recorded here because only the fan-out sees where the network wait ends and the merge begins.
/// </summary>
public static class FanoutMetrics
{
    private static readonly Meter Meter = new("VisualMemory");

    /// <summary>Seconds per query-path stage: merge (of the hosts' answers) here.</summary>
    public static Histogram<double> StageDuration { get; } = Meter.CreateHistogram<double>(
        "vm_stage_duration", "s", "Time spent in one stage of the query path, by stage.");

    /// <summary>Shard requests sent again to another replica after a node failed or was too slow.</summary>
    public static Counter<long> Retries { get; } = Meter.CreateCounter<long>(
        "vm_fanout_retries", null, "Shard requests retried on another replica after a node failed or timed out.");

    internal static void RecordMerge(long startTimestamp) =>
        StageDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("stage", "merge"));
}
