using Microsoft.Extensions.Options;
using VisualMemory.Core.Evaluation;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>The influence (privacy) audit: which items change a prediction when removed (research.md §2).</summary>
internal static class AuditEndpoints
{
    private const int DefaultLimit = 100;

    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/memories/{name}/audit/influence", Influence).WithTags("Audit").AddEndpointFilter(new WholeMemoryOnly("the influence audit"))
            .WithSummary("For labelled queries, the memory items whose removal changes at least one prediction.");
    }

    private static async Task<IResult> Influence(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<InfluenceAuditRequest>(name, request, body, catalog).ConfigureAwait(false);
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
        if (input.Labels is null || input.Vectors is null || input.Labels.Count != input.Vectors.Count)
        {
            problems.Add(new("labels", "must hold one label per vector"));
        }
        var k = RequestChecks.K(input.K, settings.Value, problems);
        var aggregation = RequestChecks.Aggregation(input.Aggregation, null, null, problems);
        if (input.Limit is < 0 or > 100_000)
        {
            problems.Add(new("limit", $"must be between 0 and 100000, got {input.Limit}"));
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        if (memory.Count == 0)
        {
            return Problems.Conflict("Nothing to audit.", $"memory '{name}' holds no items");
        }
        // One spare neighbour per query: removing an item from the top k pulls the (k+1)-th in.
        var neighbors = memory.Search(queries, k + 1);
        // While a hard prune is in force its pruned items are not searchable, and the audit (which
        // needs min(k + 1, size) neighbours per query) must not count them.
        var searchable = memory.SearchableCount();
        if (neighbors.Any(n => n.Length < Math.Min(k + 1, searchable)))
        {
            // IVF search visits only nprobe lists, so it can return fewer rows than asked; an
            // audit on short lists would silently miss influences.
            return Problems.Conflict("Too few neighbours for an exact audit.",
                $"the index returned fewer than k + 1 = {k + 1} neighbours for some queries; lower k or raise the memory's nprobe");
        }
        var truth = input.Labels!.Select(l => memory.Labels.TryGetIndex(l, out var i) ? i : -1).ToList();
        var result = InfluenceAudit.Run(neighbors, truth, k, aggregation, searchable);
        var listed = result.Influential.Take(input.Limit ?? DefaultLimit)
            .Select(i => new InfluentialItemOutput(i.Id, memory.LabelOf(i.Id), i.ChangedPredictions, i.CorrectToWrong, i.WrongToCorrect));
        return Results.Ok(new InfluenceAuditOutput(result.Queries, result.MemorySize, result.Influential.Count, result.NonPrivateFraction, [.. listed]));
    }
}
