using Google.Protobuf;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Cluster.Replication;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// Replication routes on the internal port: a shard write (from a coordinator to the primary, or from
/// the primary to a replica) and a catching-up replica's join. Protobuf bodies (see replication.proto).
/// </summary>
internal static class InternalReplicationEndpoints
{
    public static void MapInternalReplicationEndpoints(this IEndpointRouteBuilder app, int internalPort)
    {
        app.MapPost(ReplicationClient.WriteRoute, Write).RequireHost($"*:{internalPort}").ExcludeFromDescription();
        app.MapPost(ReplicationClient.JoinRoute, Join).RequireHost($"*:{internalPort}").ExcludeFromDescription();
    }

    private static async Task<IResult> Write(HttpRequest request, ReplicaRegistry registry, PrimaryWriter primary, ClusterView view, IOptions<ApiSettings> settings, CancellationToken cancellationToken)
    {
        var (write, problem) = await InternalBody.ReadAsync(request, ShardWrite.Parser, settings.Value).ConfigureAwait(false);
        if (write is null)
        {
            return problem!;
        }
        if (registry.Find(write.Memory, write.Shard) is not { } replica)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Replica not hosted.",
                detail: $"this node hosts no replica of shard {write.Shard} of '{write.Memory}'");
        }
        if (Malformed(write, replica) is { } malformed)
        {
            return Problems.Invalid("write", malformed);
        }
        if (write.Primary.Length == 0)
        {
            try
            {
                var response = await primary.WriteAsync(replica, write, cancellationToken).ConfigureAwait(false);
                return Results.Bytes(response.ToByteArray(), ShardSearchClient.MediaType);
            }
            catch (NotPrimaryException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not the primary.", detail: e.Message);
            }
            catch (QuorumException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Write quorum not reached.", detail: e.Message);
            }
        }
        // Forwarded: refuse a deposed primary (a newer term is recorded) and writes of a join this replica is not in.
        var snapshot = view.Current;
        if (snapshot.Shard(write.Memory, write.Shard) is not { } shard || shard.PrimaryTerm != write.Term)
        {
            snapshot = await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        if (snapshot.Shard(write.Memory, write.Shard) is { } current && current.PrimaryTerm > write.Term)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Stale primary.",
                detail: $"{write.Primary} wrote with term {write.Term}; the primary of shard {write.Shard} of '{write.Memory}' is {current.PrimaryNode} with term {current.PrimaryTerm}");
        }
        if (!replica.Live && write.Session != replica.Session)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not joined.",
                detail: $"this replica of shard {write.Shard} of '{write.Memory}' is catching up under another join");
        }
        var (durable, answer) = await replica.ReceiveAsync(write).ConfigureAwait(false);
        answer.Acknowledged = durable ? 1 : 0;
        answer.Durable = durable;
        return Results.Bytes(answer.ToByteArray(), ShardSearchClient.MediaType);
    }

    private static async Task<IResult> Join(HttpRequest request, ReplicaRegistry registry, PrimaryWriter primary, NodeIdentity identity, IOptions<ApiSettings> settings, CancellationToken cancellationToken)
    {
        var (join, problem) = await InternalBody.ReadAsync(request, ReplicaJoinRequest.Parser, settings.Value).ConfigureAwait(false);
        if (join is null)
        {
            return problem!;
        }
        if (registry.Find(join.Memory, join.Shard) is not { Live: true } replica)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not the primary.",
                detail: $"this node hosts no live replica of shard {join.Shard} of '{join.Memory}'");
        }
        if (!Uri.TryCreate(join.Address, UriKind.Absolute, out var address) || join.Session.Length == 0 || join.Node.Length == 0)
        {
            return Problems.Invalid("join", "node, an absolute address and a session are required");
        }
        try
        {
            var term = await primary.JoinAsync(replica, new ReplicaJoiner(join.Node, address, join.Session), cancellationToken).ConfigureAwait(false);
            return Results.Bytes(new ReplicaJoinResponse { Source = identity.Name, Term = term }.ToByteArray(), ShardSearchClient.MediaType);
        }
        catch (NotPrimaryException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not the primary.", detail: e.Message);
        }
    }

    private static string? Malformed(ShardWrite write, HostedReplica replica)
    {
        var d = replica.Data?.Definition.Dimension ?? 0;
        return write.Kind switch
        {
            WriteKind.Upsert when write.Labels.Count != write.Ids.Count || (write.Sources.Count != 0 && write.Sources.Count != write.Ids.Count)
                || (d > 0 && write.Vectors.Count != write.Ids.Count * d) => "ids, labels, sources and vectors disagree in count",
            WriteKind.BulkLoad when write.Origin.Length == 0 => "a bulk load needs its origin",
            WriteKind.SetQuantizer when write.Quantizer.Length == 0 => "a serialized quantizer is required",
            WriteKind.BulkLoad when write.Labels.Count != write.Ids.Count || (write.Sources.Count != 0 && write.Sources.Count != write.Ids.Count)
                || (d > 0 && write.Vectors.Count != write.Ids.Count * d) => "ids, labels, sources and vectors disagree in count",
            WriteKind.UnlearnLabel or WriteKind.UnlearnSource when write.Selector.Length == 0 => "a selector is required",
            WriteKind.Unspecified => "the write kind is missing",
            _ => null,
        };
    }
}
