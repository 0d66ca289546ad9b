using VisualMemory.Core.Diagnostics;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Coordination;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Engine.Classification;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The query path: HTTP body → field checks → <see cref="LocalMemory.Search"/> (shards → segments →
/// FAISS), or, for a memory held on other nodes, <see cref="RemoteSearch"/> (fan-out); classify goes through <see cref="MemoryClassifier"/> (search, then <see cref="KnnClassifier"/>
/// and the optional explanation, residual, hierarchy and JOINT-INF steps).
/// </summary>
internal static class QueryEndpoints
{
    public static void MapQueryEndpoints(this IEndpointRouteBuilder app)
    {
        var queries = app.MapGroup("/v1/memories/{name}").WithTags("Queries");
        queries.MapPost("/search", Search).WithSummary("The k nearest items of a vector.");
        queries.MapPost("/search/batch", SearchBatch).WithSummary("The k nearest items of each of many vectors.");
        queries.MapPost("/classify", Classify).WithSummary("Classify a vector by aggregating its neighbours' labels.");
    }

    private static async Task<IResult> Search(string name, HttpRequest request, QueryBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings,
        ClusterView view, ShardFanout fanout, IOptions<ClusterSettings> clusterSettings, CancellationToken cancellationToken)
    {
        using var activity = Tracing.Source.StartActivity("search");
        activity?.SetTag("vm.memory", name);
        if (await RemoteSearch.FindAsync(name, catalog, view, clusterSettings.Value, cancellationToken).ConfigureAwait(false) is { } remote)
        {
            return await RemoteSearch.SingleAsync(remote, request, body, fanout, settings.Value, clusterSettings.Value, cancellationToken).ConfigureAwait(false);
        }
        var (memory, input, problem) = await MemoryRequest.ReadQueryAsync<SearchRequest>(name, request, body, catalog, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input!.Vector, memory!.Definition.Dimension, "vector", problems);
        return RunSearch(memory, input.Vector ?? [], input.K, input.Nprobe, problems, settings.Value, results => ToResponse(memory, results[0]));
    }

    private static async Task<IResult> SearchBatch(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings,
        ClusterView view, ShardFanout fanout, IOptions<ClusterSettings> clusterSettings, CancellationToken cancellationToken)
    {
        using var activity = Tracing.Source.StartActivity("search batch");
        activity?.SetTag("vm.memory", name);
        if (await RemoteSearch.FindAsync(name, catalog, view, clusterSettings.Value, cancellationToken).ConfigureAwait(false) is { } remote)
        {
            return await RemoteSearch.BatchAsync(remote, request, body, fanout, settings.Value, clusterSettings.Value, cancellationToken).ConfigureAwait(false);
        }
        var (memory, input, problem) = await MemoryRequest.ReadAsync<BatchSearchRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var problems = new List<FieldProblem>();
        var queries = RequestChecks.Vectors(input!.Vectors, memory!.Definition.Dimension, "vectors", settings.Value.MaxBatchQueries, problems, out var tooMany);
        if (tooMany is not null)
        {
            return tooMany;
        }
        return RunSearch(memory, queries, input.K, input.Nprobe, problems, settings.Value,
            results => new BatchSearchResponse([.. results.Select(r => ToResponse(memory, r))]));
    }

    // The shared tail of both searches: k and nprobe checks join the vector problems, then one search.
    private static IResult RunSearch(
        LocalMemory memory, float[] rows, int? k, int? nprobe, List<FieldProblem> problems, ApiSettings settings, Func<Neighbor[][], object> respond)
    {
        var checkedK = RequestChecks.K(k, settings, problems);
        var checkedNProbe = RequestChecks.NProbe(nprobe, problems);
        return problems.Count > 0 ? Problems.Invalid(problems) : Results.Ok(respond(memory.Search(rows, checkedK, checkedNProbe)));
    }

    private static async Task<IResult> Classify(string name, HttpRequest request, QueryBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings,
        ClusterView view, ShardFanout fanout, IOptions<ClusterSettings> clusterSettings, CancellationToken cancellationToken)
    {
        using var activity = Tracing.Source.StartActivity("classify");
        activity?.SetTag("vm.memory", name);
        if (await RemoteSearch.FindAsync(name, catalog, view, clusterSettings.Value, cancellationToken).ConfigureAwait(false) is { } remote)
        {
            return await RemoteSearch.ClassifyAsync(remote, request, body, fanout, settings.Value, clusterSettings.Value, cancellationToken).ConfigureAwait(false);
        }
        var (memory, input, problem) = await MemoryRequest.ReadQueryAsync<ClassifyRequest>(name, request, body, catalog, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input!.Vector, memory!.Definition.Dimension, "vector", problems);
        var k = RequestChecks.K(input.K, settings.Value, problems);
        var nprobe = RequestChecks.NProbe(input.Nprobe, problems);
        var aggregation = RequestChecks.Aggregation(input.Aggregation, input.Tau, input.Alpha, problems);
        var pruning = RequestChecks.Pruning(input.Pruning, problems);
        HierarchyMethod? hierarchy = input.Hierarchy switch
        {
            null => null,
            "ks" => HierarchyMethod.KsTest,
            "votes" => HierarchyMethod.DescendantVotes,
            _ => RequestChecks.Reject<HierarchyMethod?>(problems, "hierarchy", $"unknown hierarchy method '{input.Hierarchy}'; use \"ks\" or \"votes\"", null),
        };
        if (input.Lambda is { } lambda && !(lambda >= 0 && lambda <= 1))
        {
            problems.Add(new("lambda", $"must be between 0 and 1, got {lambda}"));
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var options = new ClassifyOptions(k, aggregation, nprobe, pruning, input.Explain == true, input.Residual == true, hierarchy, input.Lambda);
        try
        {
            return Results.Ok(ToResponse(MemoryClassifier.Classify(memory, input.Vector, options)));
        }
        catch (ClassifyRefusedException e)
        {
            return Problems.Conflict("Cannot classify.", e.Message);
        }
    }

    private static ClassifyResponse ToResponse(ClassifyOutcome outcome) => new(
        outcome.Label, outcome.Confidence, outcome.Scores,
        outcome.Neighbors?.Select(n => new WeightedNeighborOutput(n.Id, n.Label, n.Similarity, n.Weight, n.Reliability, n.Source)).ToList(),
        outcome.Residual is null ? null : ToResponse(outcome.Residual),
        outcome.Levels?.Select(l => new LevelOutput(l.Depth, l.Node, l.Score, l.Confidence)).ToList(),
        outcome.Lambda);

    private static SearchResponse ToResponse(LocalMemory memory, Neighbor[] neighbors) =>
        new([.. neighbors.Select(n => new NeighborOutput(n.Id, memory.Labels[n.Label], n.Similarity))]);
}
