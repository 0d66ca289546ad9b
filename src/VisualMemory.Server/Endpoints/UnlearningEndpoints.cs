using Microsoft.Extensions.Options;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;
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
            : Problems.UnknownMemory(name)).WithSummary("The unlearning audit log: what, when, how many items.");
    }

    private static async Task<IResult> Unlearn(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<UnlearnRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var given = (input!.Ids is not null ? 1 : 0) + (input.Source is not null ? 1 : 0) + (input.Label is not null ? 1 : 0);
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
            return Results.Ok(Describe(memory!.Unlearn(UnlearningKind.Ids, null, ids)));
        }
        var (kind, field, value) = input.Source is not null ? (UnlearningKind.Source, "source", input.Source) : (UnlearningKind.Label, "label", input.Label!);
        if (string.IsNullOrWhiteSpace(value))
        {
            return Problems.Invalid(field, "must be a non-blank string");
        }
        return Results.Ok(Describe(memory!.Unlearn(kind, value)));
    }

    private static UnlearningRecordOutput Describe(UnlearningRecord r) =>
        new(r.Sequence, r.Kind.ToString().ToLowerInvariant(), r.Selector, r.Requested, r.Deleted, r.At, r.ForgottenAt);
}
