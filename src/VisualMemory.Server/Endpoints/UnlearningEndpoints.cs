using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>Exact unlearning by ids, source tag or label, and its audit log.</summary>
internal static class UnlearningEndpoints
{
    public static void MapUnlearningEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/memories/{name}").WithTags("Unlearning");
        group.MapPost("/unlearn", Unlearn).WithSummary("Delete items by ids, source or label; when this returns no search sees them. Audited.");
        group.MapGet("/unlearning", (string name, MemoryCatalog catalog) => catalog.Find(name) is { } memory
            ? Results.Ok(new UnlearningLogOutput([.. memory.Unlearning.Records.Select(Describe)]))
            : Problems.UnknownMemory(name)).WithSummary("The unlearning audit log: what, when, how many items.").AddEndpointFilter(new WholeMemoryOnly("the memory-wide unlearning log (each replica keeps its own)"));
    }

    private static async Task<IResult> Unlearn(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings,
        ClusterView view, ClusterWriter writer, IOptions<ClusterSettings> cluster, CancellationToken cancellationToken)
    {
        var memory = catalog.Find(name);
        var remote = memory is null ? await RemoteSearch.FindAsync(name, catalog, view, cluster.Value, cancellationToken).ConfigureAwait(false) : null;
        if (memory is null && remote is null)
        {
            return Problems.UnknownMemory(name);
        }
        var (input, problem) = await body.ReadAsync<UnlearnRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var given = (input.Ids is not null ? 1 : 0) + (input.Source is not null ? 1 : 0) + (input.Label is not null ? 1 : 0);
        if (given != 1)
        {
            return Problems.Invalid("ids", "give exactly one of ids, source or label");
        }
        if (input.Ids is { } ids)
        {
            if (ids.Count == 0)
            {
                return Problems.Invalid("ids", "must be a non-empty array");
            }
            if (ids.Count > settings.Value.MaxItemsPerRequest)
            {
                return Problems.TooLarge("ids", $"at most {settings.Value.MaxItemsPerRequest} ids per request, got {ids.Count}");
            }
            if (memory is null)
            {
                return await UnlearnThroughClusterAsync(remote!, writer, ClusterWriter.SplitIds(name, remote!.Definition.Shards, WriteKind.UnlearnIds, ids),
                    UnlearningKind.Ids, UnlearningLog.DescribeIds(ids), ids.Count, cancellationToken).ConfigureAwait(false);
            }
            return Results.Ok(Describe(memory.Unlearn(UnlearningKind.Ids, null, ids)));
        }
        var (kind, field, value) = input.Source is not null ? (UnlearningKind.Source, "source", input.Source) : (UnlearningKind.Label, "label", input.Label!);
        if (string.IsNullOrWhiteSpace(value))
        {
            return Problems.Invalid(field, "must be a non-blank string");
        }
        if (memory is null)
        {
            return await UnlearnThroughClusterAsync(remote!, writer,
                ClusterWriter.Broadcast(name, remote!.Definition.Shards, kind == UnlearningKind.Label ? WriteKind.UnlearnLabel : WriteKind.UnlearnSource, value),
                kind, value, 1, cancellationToken).ConfigureAwait(false);
        }
        return Results.Ok(Describe(memory.Unlearn(kind, value)));
    }

    // Each shard's replicas record the request in their own unlearning logs; the answer sums the shards.
    private static async Task<IResult> UnlearnThroughClusterAsync(RemoteMemory remote, ClusterWriter writer, IReadOnlyList<ShardWrite> writes,
        UnlearningKind kind, string selector, int requested, CancellationToken cancellationToken)
    {
        var outcomes = await writer.WriteAsync(writes, cancellationToken).ConfigureAwait(false);
        return ClusterWrites.Failed(remote.Definition.Name, outcomes)
            ?? Results.Ok(new UnlearningRecordOutput(0, kind.ToString().ToLowerInvariant(), selector, requested, ClusterWrites.Deleted(outcomes).Length, DateTimeOffset.UtcNow, null));
    }

    private static UnlearningRecordOutput Describe(UnlearningRecord r) =>
        new(r.Sequence, r.Kind.ToString().ToLowerInvariant(), r.Selector, r.Requested, r.Deleted, r.At, r.ForgottenAt);
}
