using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Coordination;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Search;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The coordinator's search for a memory this node does not hold: the same request checks as a local
/// search, then <see cref="RemoteMemory"/> fans out to the shards' Ready replicas. Shards no replica
/// answered are listed in the response, or refused with 503 unless <c>Cluster:AllowPartialResults</c>.
/// </summary>
internal static class RemoteSearch
{
    /// <summary>The memory through the cluster when this node does not hold it and the control plane knows it; else null.</summary>
    public static async Task<RemoteMemory?> FindAsync(string name, MemoryCatalog catalog, IClusterStore cluster, CancellationToken cancellationToken) =>
        catalog.Find(name) is null && catalog.RefusedReason(name) is null
            ? await RemoteMemory.FindAsync(cluster, name, cancellationToken).ConfigureAwait(false)
            : null;

    public static async Task<IResult> SingleAsync(RemoteMemory memory, HttpRequest request, JsonBody body, ShardFanout fanout, ApiSettings api, ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<SearchRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input.Vector, memory.Definition.Dimension, "vector", problems);
        return await RunAsync(memory, input.Vector ?? [], input.K, input.Nprobe, problems, fanout, api, cluster,
            (results, missing) => ToResponse(memory, results[0], missing), cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IResult> BatchAsync(RemoteMemory memory, HttpRequest request, JsonBody body, ShardFanout fanout, ApiSettings api, ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<BatchSearchRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var problems = new List<FieldProblem>();
        var queries = RequestChecks.Vectors(input.Vectors, memory.Definition.Dimension, "vectors", api.MaxBatchQueries, problems, out var tooMany);
        if (tooMany is not null)
        {
            return tooMany;
        }
        return await RunAsync(memory, queries, input.K, input.Nprobe, problems, fanout, api, cluster,
            (results, missing) => new BatchSearchResponse([.. results.Select(r => ToResponse(memory, r, null))], missing), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> RunAsync(RemoteMemory memory, float[] rows, int? k, int? nprobe, List<FieldProblem> problems,
        ShardFanout fanout, ApiSettings api, ClusterSettings cluster, Func<Neighbor[][], IReadOnlyList<int>?, object> respond, CancellationToken cancellationToken)
    {
        var checkedK = RequestChecks.K(k, api, problems);
        var checkedNProbe = RequestChecks.NProbe(nprobe, problems);
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var result = await memory.SearchAsync(fanout, rows, checkedK, checkedNProbe, cancellationToken).ConfigureAwait(false);
        if (!result.Complete && !cluster.AllowPartialResults)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Shards unavailable.",
                detail: $"memory '{memory.Definition.Name}': no replica answered for shards {string.Join(", ", result.MissingShards)}");
        }
        return Results.Ok(respond(result.Neighbors, result.Complete ? null : result.MissingShards));
    }

    private static SearchResponse ToResponse(RemoteMemory memory, Neighbor[] neighbors, IReadOnlyList<int>? missing) =>
        new([.. neighbors.Select(n => new NeighborOutput(n.Id, memory.LabelOf(n), n.Similarity))], missing);
}
