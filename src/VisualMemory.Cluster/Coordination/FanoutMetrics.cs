using System.Diagnostics.Metrics;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Cluster.Coordination;

/// <summary>
/// The fan-out's own instrument, replica retries, on the shared <see cref="Metering.Meter"/>. The fan-out also
/// times the merge stage (<see cref="StageTiming"/>), since only it sees where the network wait ends.
/// </summary>
public static class FanoutMetrics
{
    /// <summary>Shard requests sent again to another replica after a node failed or was too slow.</summary>
    public static Counter<long> Retries { get; } = Metering.Meter.CreateCounter<long>(
        "vm_fanout_retries", null, "Shard requests retried on another replica after a node failed or timed out.");
}
