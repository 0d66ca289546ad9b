using Microsoft.Extensions.Options;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Endpoints;

namespace VisualMemory.Server.Http;

/// <summary>
/// Marks a route that needs a whole memory on the node asked (pruning, taxonomy, linear head, audits,
/// item lookups...): for a memory distributed over the cluster it answers 501 naming the feature,
/// instead of the handler's misleading 404 "unknown memory".
/// </summary>
internal sealed class WholeMemoryOnly(string feature) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var services = context.HttpContext.RequestServices;
        var cluster = services.GetRequiredService<IOptions<ClusterSettings>>().Value;
        if (cluster.Distributed && context.HttpContext.GetRouteValue("name") is string name
            && await RemoteSearch.FindAsync(name, services.GetRequiredService<MemoryCatalog>(), services.GetRequiredService<ClusterView>(), cluster,
                context.HttpContext.RequestAborted).ConfigureAwait(false) is not null)
        {
            return Results.Problem(statusCode: StatusCodes.Status501NotImplemented, title: "Not available for a distributed memory.",
                detail: $"memory '{name}' is spread over the cluster's shard hosts; {feature} needs the whole memory on one node and is not available for distributed memories yet");
        }
        return await next(context).ConfigureAwait(false);
    }
}
