using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Coordination;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Diagnostics;
using VisualMemory.Core.Search;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The coordinator's search and classify for a memory this node does not hold: the same request checks as a local
/// search, then <see cref="RemoteMemory"/> fans out to the shards' Ready replicas. Shards no replica
/// answered are listed in the response, or refused with 503 unless <c>Cluster:AllowPartialResults</c>.
/// </summary>
internal static class RemoteSearch
{
    /// <summary>The memory through the cluster when this node does not hold it and the control plane knows it; else null.</summary>
    public static async Task<RemoteMemory?> FindAsync(string name, MemoryCatalog catalog, ClusterView view, ClusterSettings cluster, CancellationToken cancellationToken) =>
        catalog.Find(name) is null && catalog.RefusedReason(name) is null
            ? await RemoteMemory.FindAsync(view, name, TimeSpan.FromMilliseconds(cluster.HeartbeatMilliseconds), cancellationToken).ConfigureAwait(false)
            : null;

    public static async Task<IResult> SingleAsync(RemoteMemory memory, HttpRequest request, QueryBody body, ShardFanout fanout, ApiSettings api, ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<SearchRequest>(request, memory.Definition, cancellationToken).ConfigureAwait(false);
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
        var result = await memory.SearchAsync(fanout, rows, checkedK, checkedNProbe, null, cancellationToken).ConfigureAwait(false);
        return Unavailable(memory, result, cluster) ?? Results.Ok(respond(result.Neighbors, result.Complete ? null : result.MissingShards));
    }

    /// <summary>
    /// Classify through the cluster: the k nearest items from the fan-out, then the same
    /// <see cref="KnnClassifier"/> a holder runs. Steps that need the memory's data (explanation with
    /// sources, residual, hierarchy, JOINT-INF) are refused with 422 naming the field.
    /// </summary>
    public static async Task<IResult> ClassifyAsync(RemoteMemory memory, HttpRequest request, QueryBody body, ShardFanout fanout, ApiSettings api, ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<ClassifyRequest>(request, memory.Definition, cancellationToken).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input.Vector, memory.Definition.Dimension, "vector", problems);
        var k = RequestChecks.K(input.K, api, problems);
        var nprobe = RequestChecks.NProbe(input.Nprobe, problems);
        var aggregation = RequestChecks.Aggregation(input.Aggregation, input.Tau, input.Alpha, problems);
        var pruning = RequestChecks.Pruning(input.Pruning, problems);
        foreach (var (field, asked) in new[] { ("explain", input.Explain == true), ("residual", input.Residual == true), ("hierarchy", input.Hierarchy is not null), ("lambda", input.Lambda is not null) })
        {
            if (asked)
            {
                problems.Add(new(field, $"needs the memory's data on the node asked; memory '{memory.Definition.Name}' is held elsewhere (a coordinator classifies with k, aggregation, tau, alpha, nprobe and pruning)"));
            }
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var result = await memory.SearchAsync(fanout, input.Vector!, k, nprobe, pruning, cancellationToken).ConfigureAwait(false);
        if (Unavailable(memory, result, cluster) is { } unavailable)
        {
            return unavailable;
        }
        var neighbors = result.Neighbors[0];
        if (neighbors.Length == 0)
        {
            return Problems.Conflict("Cannot classify.", $"memory '{memory.Definition.Name}' holds no items to classify against");
        }
        var aggregateStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var classification = KnnClassifier.Classify(neighbors, aggregation);
        StageTiming.Record("aggregate", aggregateStart);
        return Results.Ok(new ClassifyResponse(
            memory.Labels[classification.Label!.Value], classification.Confidence,
            classification.Scores.ToDictionary(s => memory.Labels[s.Label], s => s.Score), null, null, null, null));
    }

    private static IResult? Unavailable(RemoteMemory memory, FanoutResult result, ClusterSettings cluster) =>
        result.Complete || cluster.AllowPartialResults
            ? null
            : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Shards unavailable.",
                detail: $"memory '{memory.Definition.Name}': no replica answered for shards {string.Join(", ", result.MissingShards)}");

    private static SearchResponse ToResponse(RemoteMemory memory, Neighbor[] neighbors, IReadOnlyList<int>? missing) =>
        new([.. neighbors.Select(n => new NeighborOutput(n.Id, memory.LabelOf(n), n.Similarity))], missing);
}
