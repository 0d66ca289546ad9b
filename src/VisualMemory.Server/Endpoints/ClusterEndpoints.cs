using VisualMemory.ControlPlane;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;

namespace VisualMemory.Server.Endpoints;

/// <summary>Routes that show the cluster: its nodes and the controller.</summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster/nodes", async (IClusterStore store, NodeIdentity identity, CancellationToken cancellationToken) =>
        {
            var nodes = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
            var controller = await store.GetControllerAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new ClusterNodes(
                identity.Name,
                [.. nodes.OrderBy(n => n.Name, StringComparer.Ordinal).Select(n => new NodeInfo(n.Name, n.Address, n.Roles.ToString(), n.Alive, n.Draining, n.LastHeartbeatAt, n.LeaseExpiresAt, n.BytesHosted))],
                controller is null ? null : new ControllerInfo(controller.Holder, controller.Epoch, controller.ExpiresAt)));
        }).WithTags("Cluster").WithSummary("The cluster's nodes (alive by lease, judged by the control plane's clock) and its controller.");
        app.MapGet("/v1/cluster/placement", async (IClusterStore store, CancellationToken cancellationToken) =>
        {
            var assignments = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new PlacementView([.. assignments
                .OrderBy(a => a.Memory, StringComparer.Ordinal).ThenBy(a => a.Shard).ThenBy(a => a.Node, StringComparer.Ordinal)
                .Select(a => new ReplicaInfo(a.Memory, a.Shard, a.Node, a.State.ToString().ToLowerInvariant(), a.Epoch))]));
        }).WithTags("Cluster").WithSummary("Every shard replica the controller has placed, with its state.");
    }
}
