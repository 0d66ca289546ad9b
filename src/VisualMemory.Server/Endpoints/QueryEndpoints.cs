using Microsoft.Extensions.Options;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The query path: HTTP body → field checks → <see cref="LocalMemory.Search"/> (shards → segments →
/// FAISS) → <see cref="KnnClassifier"/> for classify.
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

    private static async Task<IResult> Search(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        var (input, problem) = await body.ReadAsync<SearchRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input.Vector, memory.Definition.Dimension, "vector", problems);
        var k = RequestChecks.K(input.K, settings.Value, problems);
        var nprobe = RequestChecks.NProbe(input.Nprobe, problems);
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        return Results.Ok(ToResponse(memory, memory.Search(input.Vector, k, nprobe)[0]));
    }

    private static async Task<IResult> SearchBatch(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        var (input, problem) = await body.ReadAsync<BatchSearchRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        if (input.Vectors is null || input.Vectors.Count == 0)
        {
            return Problems.Invalid("vectors", "must be a non-empty array of vectors");
        }
        if (input.Vectors.Count > settings.Value.MaxBatchQueries)
        {
            return Problems.TooLarge("vectors", $"at most {settings.Value.MaxBatchQueries} queries per batch, got {input.Vectors.Count}");
        }
        var d = memory.Definition.Dimension;
        var problems = new List<FieldProblem>();
        var queries = new float[input.Vectors.Count * d];
        for (var i = 0; i < input.Vectors.Count && problems.Count < 20; i++)
        {
            RequestChecks.Vector(input.Vectors[i], d, $"vectors[{i}]", problems);
            if (problems.Count == 0)
            {
                input.Vectors[i].CopyTo(queries.AsSpan(i * d));
            }
        }
        var k = RequestChecks.K(input.K, settings.Value, problems);
        var nprobe = RequestChecks.NProbe(input.Nprobe, problems);
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var results = memory.Search(queries, k, nprobe);
        return Results.Ok(new BatchSearchResponse([.. results.Select(r => ToResponse(memory, r))]));
    }

    private static async Task<IResult> Classify(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        var (input, problem) = await body.ReadAsync<ClassifyRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var problems = new List<FieldProblem>();
        RequestChecks.Vector(input.Vector, memory.Definition.Dimension, "vector", problems);
        var k = RequestChecks.K(input.K, settings.Value, problems);
        var nprobe = RequestChecks.NProbe(input.Nprobe, problems);
        var kind = AggregationKind.Rank;
        if (input.Aggregation is not null && !AggregationOptions.TryParseKind(input.Aggregation, out kind))
        {
            problems.Add(new("aggregation", $"unknown aggregation '{input.Aggregation}'; use one of {string.Join(", ", AggregationOptions.KindNames)}"));
        }
        if (input.Tau is { } tau && !(tau > 0 && double.IsFinite(tau)))
        {
            problems.Add(new("tau", $"must be a positive finite number, got {tau}"));
        }
        if (input.Alpha is { } alpha && !(alpha > 0 && double.IsFinite(alpha)))
        {
            problems.Add(new("alpha", $"must be a positive finite number (0 would divide by zero at rank 0), got {alpha}"));
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }

        var neighbors = memory.Search(input.Vector, k, nprobe)[0];
        if (neighbors.Length == 0)
        {
            return Problems.Conflict("Nothing to classify against.", $"memory '{name}' holds no items");
        }
        var options = new AggregationOptions(kind, input.Tau ?? AggregationOptions.DefaultTau, input.Alpha ?? AggregationOptions.DefaultAlpha);
        var result = KnnClassifier.Classify(neighbors, options);
        var scores = result.Scores.ToDictionary(s => memory.Labels[s.Label], s => s.Score);
        var explained = input.Explain == true
            ? neighbors.Select((n, i) => new WeightedNeighborOutput(n.Id, memory.Labels[n.Label], n.Similarity, result.Weights[i])).ToList()
            : null;
        return Results.Ok(new ClassifyResponse(memory.Labels[result.Label!.Value], result.Confidence, scores, explained));
    }

    private static SearchResponse ToResponse(LocalMemory memory, Neighbor[] neighbors) =>
        new([.. neighbors.Select(n => new NeighborOutput(n.Id, memory.Labels[n.Label], n.Similarity))]);
}
