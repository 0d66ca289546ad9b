using System.Diagnostics.Metrics;

namespace VisualMemory.Core.Diagnostics;

/// <summary>
/// The one <see cref="Meter"/> every layer creates its instruments on, as <see cref="Tracing"/> is the one
/// activity source: a node's /metrics listener subscribes to it by name and finds every layer's instruments.
/// Without a listener a recording costs one branch.
/// </summary>
public static class Metering
{
    /// <summary>The meter's name, which a listener subscribes to.</summary>
    public const string MeterName = "VisualMemory";

    /// <summary>The meter instruments are created on.</summary>
    public static Meter Meter { get; } = new(MeterName);
}
