using System.Diagnostics.Metrics;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the node's metrics in the Prometheus text format, and the registrations behind it
/// (the collector, the node's gauges, the request middleware). docs/operations.md (Monitoring) lists the metrics.
/// </summary>
internal static class MetricsEndpoints
{
    public const string Route = "/metrics";

    /// <summary>Meters the collector takes besides the node's own: every layer's shared meter, and the runtime's (CPU, GC, thread pool, working set).</summary>
    private static readonly string[] SharedMeters = [Metering.MeterName, "System.Runtime"];

    public static IServiceCollection AddNodeMetrics(this IServiceCollection services)
    {
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton(provider =>
        {
            var own = provider.GetRequiredService<NodeMetrics>().Meter;
            return new MeterCollector(meter => ReferenceEquals(meter, own) || SharedMeters.Contains(meter.Name, StringComparer.Ordinal));
        });
        return services;
    }

    /// <summary>Adds the request middleware (after routing, so the endpoint is known) and maps <c>GET /metrics</c>.</summary>
    public static void MapNodeMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Resolved now, so the listener runs from the first request rather than the first scrape.
        app.Services.GetRequiredService<MeterCollector>();
        app.Use(RequestMetrics.InvokeAsync);
        app.MapGet(Route, Scrape).ExcludeFromDescription();
    }

    private static async Task<IResult> Scrape(NodeMetrics node, MeterCollector collector, CancellationToken cancellationToken)
    {
        await node.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return Results.Text(PrometheusText.Render(collector.Collect()), PrometheusText.ContentType);
    }
}
