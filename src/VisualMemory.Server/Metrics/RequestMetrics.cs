using System.Diagnostics;
using System.Diagnostics.Metrics;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// Counts and times every request by route pattern, memory and status, in a middleware placed after routing
/// so the matched endpoint (and its <c>{name}</c>) is known. The route is the pattern, not the path, and a
/// memory name only labels requests that did not end in 404, so unknown names sent by clients cannot
/// multiply the series.
/// </summary>
internal static class RequestMetrics
{
    public static Counter<long> Requests { get; } = Metering.Meter.CreateCounter<long>(
        "vm_requests", null, "HTTP requests by route pattern, memory and status code.");

    public static Histogram<double> Duration { get; } = Metering.Meter.CreateHistogram<double>(
        "vm_request_duration", "s", "End-to-end HTTP request time (body read, embedding, search, aggregation, response), by route pattern and memory.");

    /// <summary>The middleware: times the rest of the pipeline, including a request that throws (counted as 500).</summary>
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var start = Stopwatch.GetTimestamp();
        var failed = false;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            Record(context, failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private static void Record(HttpContext context, int status, double seconds)
    {
        if (!Requests.Enabled && !Duration.Enabled)
        {
            return;
        }
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        if (route == MetricsEndpoints.Route)
        {
            return;
        }
        var memory = status != StatusCodes.Status404NotFound && context.Request.RouteValues.TryGetValue("name", out var name) ? name as string ?? "" : "";
        var routeTag = new KeyValuePair<string, object?>("route", route);
        var memoryTag = new KeyValuePair<string, object?>("memory", memory);
        Requests.Add(1, routeTag, memoryTag, new KeyValuePair<string, object?>("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Duration.Record(seconds, routeTag, memoryTag);
    }
}
