using Microsoft.Extensions.Options;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Embedding;

namespace VisualMemory.Server.Health;

/// <summary>
/// <c>GET /readyz</c>: whether this node should get traffic now (a Kubernetes readiness probe, a load
/// balancer's check). <c>/healthz</c> stays a bare liveness check, so a node that is up but cannot reach
/// PostgreSQL is taken out of rotation rather than restarted.
/// </summary>
internal static class HealthEndpoints
{
    public static void MapReadinessEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/readyz", Ready).ExcludeFromDescription();

    private static IResult Ready(NodeReadiness readiness, EmbeddingModels models, IOptions<ClusterSettings> cluster)
    {
        var checks = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var failing = new List<string>();
        void Check(string name, string? problem)
        {
            checks[name] = problem ?? "ok";
            if (problem is not null)
            {
                failing.Add(name);
            }
        }

        Check("memories", readiness.MemoriesLoaded ? null : "stored memories are still being opened");
        // The lease is what the rest of the cluster judges liveness by: past it, other nodes consider this one dead.
        var lease = TimeSpan.FromSeconds(cluster.Value.LeaseSeconds);
        var contact = readiness.LastControlPlaneContact;
        var clock = readiness.Clock;
        Check("controlPlane", contact is null
            ? "not registered in the control plane yet"
            : clock.GetUtcNow() - contact.Value > lease
                ? $"no successful control-plane call for {(clock.GetUtcNow() - contact.Value).TotalSeconds:F0} s (lease {lease.TotalSeconds:F0} s): {readiness.ControlPlaneError ?? "no answer"}"
                : null);
        var unready = models.Unready();
        Check("models", unready.Count == 0 ? null : string.Join("; ", unready.Select(m => $"{m.Key}: {m.Value}")));
        var body = new { status = failing.Count == 0 ? "ready" : "not ready", failing, checks };
        return Results.Json(body, statusCode: failing.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
