using System.Diagnostics;

namespace VisualMemory.Core.Diagnostics;

/// <summary>
/// The one <see cref="ActivitySource"/> every layer starts its spans from. Nothing is recorded unless a
/// listener is attached (the server attaches OpenTelemetry when <c>Telemetry:OtlpEndpoint</c> is set), so
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and costs a branch otherwise.
/// </summary>
public static class Tracing
{
    /// <summary>The source's name, which a tracer provider subscribes to.</summary>
    public const string SourceName = "VisualMemory";

    /// <summary>The source spans are started from.</summary>
    public static ActivitySource Source { get; } = new(SourceName);
}
