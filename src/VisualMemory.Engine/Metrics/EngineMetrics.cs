using System.Diagnostics.Metrics;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Engine.Metrics;

/// <summary>
/// The engine's own instruments (System.Diagnostics.Metrics) on the shared <see cref="Metering.Meter"/>; its
/// query stages (shard_search, merge, aggregate) go to <see cref="StageTiming"/> with every other layer's.
/// </summary>
public static class EngineMetrics
{
    /// <summary>Seconds one shard took to answer a search (all query rows of the call), by memory and shard.</summary>
    public static Histogram<double> ShardSearchDuration { get; } = Metering.Meter.CreateHistogram<double>(
        "vm_shard_search_duration", "s", "Time one shard took to search (all query rows of one call), by memory and shard.");
}
