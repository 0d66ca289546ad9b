using Google.Protobuf;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Engine;
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

    private static async Task<IResult> Search(HttpRequest request, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        var limits = settings.Value;
        if (request.ContentType != ShardSearchClient.MediaType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.", detail: $"send {ShardSearchClient.MediaType}");
        }
        if (request.ContentLength > limits.MaxRequestBodyBytes)
        {
            return Problems.TooLarge("body", $"at most {limits.MaxRequestBodyBytes} bytes");
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body).ConfigureAwait(false);
        ShardSearchRequest input;
        try
        {
            input = ShardSearchRequest.Parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Problems.Invalid("body", $"not a ShardSearchRequest: {e.Message}", StatusCodes.Status400BadRequest);
        }
        if (catalog.Find(input.Memory) is not { } memory)
        {
            return Problems.UnknownMemory(input.Memory);
        }
        var problems = new List<Core.Validation.FieldProblem>();
        var d = memory.Definition.Dimension;
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
        if (input.Shards.Any(s => s < 0 || s >= memory.Definition.Shards))
        {
            problems.Add(new("shards", $"must be shard numbers below {memory.Definition.Shards}"));
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
        var results = memory.SearchShards(queries, input.K, input.Nprobe == 0 ? null : input.Nprobe,
            ShardSearchCodec.FromWire(input.Pruning), input.Shards.Count == 0 ? null : [.. input.Shards]);
        var response = ShardSearchCodec.Encode(results, i => memory.Labels[i]);
        return Results.Bytes(response.ToByteArray(), ShardSearchClient.MediaType);
    }
}
