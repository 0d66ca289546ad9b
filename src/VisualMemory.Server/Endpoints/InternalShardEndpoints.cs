using System.Diagnostics;
using VisualMemory.Core.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Search;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster.Replication;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// Node-to-node routes, served only on the internal HTTP/2 port (<c>Cluster:InternalUrl</c>):
/// a coordinator's shard search. Bodies are Protobuf (<see cref="ShardSearchClient.MediaType"/>).
/// </summary>
internal static class InternalShardEndpoints
{
    public static void MapInternalShardEndpoints(this IEndpointRouteBuilder app, int internalPort)
    {
        app.MapPost(ShardSearchClient.Route, Search)
            .RequireHost($"*:{internalPort}")
            .ExcludeFromDescription();
    }

    private static async Task<IResult> Search(HttpRequest request, MemoryCatalog catalog, ReplicaRegistry replicas, IOptions<ApiSettings> settings)
    {
        // A child of the ASP.NET Core request span, itself continued from the coordinator's traceparent.
        using var activity = Tracing.Source.StartActivity("internal shard-search", ActivityKind.Server);
        var limits = settings.Value;
        var (input, problem) = await InternalBody.ReadAsync(request, ShardSearchRequest.Parser, limits).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        activity?.SetTag("vm.memory", input.Memory);
        activity?.SetTag("vm.shards", string.Join(',', input.Shards));
        var whole = catalog.Find(input.Memory);
        // A distributed memory: the shards asked for, each a replica hosted here.
        var hosted = whole is null ? input.Shards.Select(s => replicas.Find(input.Memory, s)).ToList() : [];
        if (whole is null && (input.Shards.Count == 0 || hosted.Any(r => r is not { Live: true })))
        {
            return input.Shards.Count == 0 || hosted.All(r => r is null)
                ? Problems.UnknownMemory(input.Memory)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Replica not hosted.",
                    detail: $"this node hosts no live replica of shards {string.Join(", ", input.Shards.Where(s => replicas.Find(input.Memory, s) is not { Live: true }))} of '{input.Memory}'");
        }
        var definition = whole?.Definition ?? hosted[0]!.Data!.Definition;
        var problems = new List<Core.Validation.FieldProblem>();
        var d = definition.Dimension;
        if (input.Dimension != d || input.Queries.Count == 0 || input.Queries.Count % d != 0)
        {
            problems.Add(new("queries", $"must be a non-empty multiple of the memory's dimension {d} (dimension {input.Dimension}, {input.Queries.Count} floats sent)"));
        }
        if (input.K < 1 || input.K > limits.MaxK)
        {
            problems.Add(new("k", $"must be between 1 and {limits.MaxK}"));
        }
        if (input.Nprobe < 0)
        {
            problems.Add(new("nprobe", "must be 0 (the memory's default) or more"));
        }
        if (whole is not null && input.Shards.Any(s => s < 0 || s >= whole.Definition.Shards))
        {
            problems.Add(new("shards", $"must be shard numbers below {whole.Definition.Shards}"));
        }
        if (!Enum.IsDefined(input.Pruning))
        {
            problems.Add(new("pruning", "unknown pruning mode"));
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var queries = input.Queries.ToArray();
        var nprobe = input.Nprobe == 0 ? (int?)null : input.Nprobe;
        var pruning = ShardSearchCodec.FromWire(input.Pruning);
        if (whole is not null)
        {
            var results = whole.SearchShards(queries, input.K, nprobe, pruning, input.Shards.Count == 0 ? null : [.. input.Shards]);
            return Results.Bytes(ShardSearchCodec.Encode(results, i => whole.Labels[i]).ToByteArray(), ShardSearchClient.MediaType);
        }
        // Each replica interns labels on its own: hits are renamed into one vocabulary before merging.
        var labels = new LabelVocabulary();
        var perReplica = hosted.Select(r =>
        {
            var data = r!.Data!;
            return data.SearchShards(queries, input.K, nprobe, pruning, null)
                .Select(hits => (IReadOnlyList<Neighbor>)[.. hits.Select(n => n with { Label = labels.GetOrAdd(data.Labels[n.Label]) })]).ToArray();
        }).ToList();
        var merged = Enumerable.Range(0, queries.Length / d)
            .Select(q => TopKMerger.Merge([.. perReplica.Select(r => r[q])], input.K)).ToArray();
        return Results.Bytes(ShardSearchCodec.Encode(merged, i => labels[i]).ToByteArray(), ShardSearchClient.MediaType);
    }
}
