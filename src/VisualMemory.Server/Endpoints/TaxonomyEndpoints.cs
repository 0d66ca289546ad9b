using VisualMemory.Engine;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>The label taxonomy that hierarchical classify descends.</summary>
internal static class TaxonomyEndpoints
{
    private const int MaxNodes = 100_000;

    public static void MapTaxonomyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/memories/{name}/taxonomy").WithTags("Taxonomy").AddEndpointFilter(new WholeMemoryOnly("a taxonomy"));
        group.MapPut("/", Put).WithSummary("Set the label taxonomy (child → parent).");
        group.MapGet("/", (string name, MemoryCatalog catalog) => catalog.Find(name) is not { } memory
            ? Problems.UnknownMemory(name)
            : memory.Taxonomy is { } taxonomy
                ? Results.Ok(new TaxonomyDocument(taxonomy.ParentOf))
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No taxonomy.", detail: $"memory '{name}' has no taxonomy"))
            .WithSummary("The label taxonomy.");
        group.MapDelete("/", (string name, MemoryCatalog catalog) =>
        {
            if (catalog.Find(name) is not { } memory)
            {
                return Problems.UnknownMemory(name);
            }
            memory.SetTaxonomy(null);
            return Results.NoContent();
        }).WithSummary("Remove the taxonomy.");
    }

    private static async Task<IResult> Put(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<TaxonomyDocument>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (input!.Parents is not { Count: > 0 } parents)
        {
            return Problems.Invalid("parents", "must be a non-empty object mapping each child to its parent (or null)");
        }
        if (parents.Count > MaxNodes)
        {
            return Problems.TooLarge("parents", $"at most {MaxNodes} nodes, got {parents.Count}");
        }
        try
        {
            memory!.SetTaxonomy(parents);
        }
        catch (ArgumentException e)
        {
            return Problems.Invalid("parents", e.Message.Split(" (Parameter")[0]);
        }
        return Results.Ok(new TaxonomyDocument(memory.Taxonomy!.ParentOf));
    }
}
