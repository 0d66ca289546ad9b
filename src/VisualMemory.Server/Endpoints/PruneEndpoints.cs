using System.Globalization;
using Microsoft.Extensions.Options;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Engine.Pruning;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>Memory pruning: run a job, inspect versions and offenders, apply hard or soft, roll back.</summary>
internal static class PruneEndpoints
{
    private const int DefaultOffenders = 50;
    private const int MaxOffenders = 10_000;

    public static void MapPruneEndpoints(this IEndpointRouteBuilder app)
    {
        var prunes = app.MapGroup("/v1/memories/{name}/prunes").WithTags("Pruning").AddEndpointFilter(new WholeMemoryOnly("pruning"));
        prunes.MapPost("/", Run).WithSummary("Run a pruning job (leave-one-out wrong contributions); stores a new version, applies nothing.");
        prunes.MapGet("/", (string name, MemoryCatalog catalog) => catalog.Find(name) is { } memory
            ? Results.Ok(new PruneListOutput([.. memory.Pruning.Versions.Select(Describe)], Describe(memory.Pruning.Applied)))
            : Problems.UnknownMemory(name)).WithSummary("Prune versions and the one in force.");
        prunes.MapGet("/{version}", (string name, string version, MemoryCatalog catalog) =>
            WithVersion(name, version, catalog, (_, v) => Results.Ok(Describe(v)))).WithSummary("One prune version.");
        prunes.MapGet("/{version}/offenders", (string name, string version, int? limit, MemoryCatalog catalog) =>
            limit is < 0 or > MaxOffenders
                ? Problems.Invalid("limit", $"must be between 0 and {MaxOffenders}, got {limit}", StatusCodes.Status400BadRequest)
                : WithVersion(name, version, catalog, (memory, v) => Results.Ok(Offenders(memory, v, limit ?? DefaultOffenders))))
            .WithSummary("The samples with the most wrong contributions, worst first.");
        prunes.MapPost("/{version}/apply", Apply).WithSummary("Put a version in force, hard or soft.");
        prunes.MapPost("/rollback", (string name, MemoryCatalog catalog) =>
        {
            if (catalog.Find(name) is not { } memory)
            {
                return Problems.UnknownMemory(name);
            }
            if (memory.Pruning.Applied is null)
            {
                return Problems.Conflict("Nothing to roll back.", $"memory '{name}' has no prune applied");
            }
            return Results.Ok(new RollbackPruneOutput(Describe(memory.RollbackPrune())));
        }).WithSummary("Undo the latest apply; the previous state (or no pruning) is in force again.");
    }

    private static async Task<IResult> Run(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog, IOptions<ApiSettings> settings)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<PruneJobRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var problems = new List<FieldProblem>();
        var aggregation = RequestChecks.Aggregation(input!.Aggregation, input.Tau, input.Alpha, problems);
        var options = new PruneJobOptions(
            input.K ?? WrongContributionCounter.DefaultK, aggregation, input.CountAllNeighbours ?? false, input.HardThreshold,
            input.SoftC ?? SoftPruning.DefaultC, input.SoftD ?? SoftPruning.DefaultD);
        if (problems.Count == 0 && options.Problem() is { } invalid)
        {
            problems.Add(new(FieldOf(invalid), invalid));
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        if (memory!.Count == 0)
        {
            return Problems.Conflict("Nothing to prune.", $"memory '{name}' holds no items");
        }
        var version = memory.RunPruneJob(options, request.HttpContext.RequestAborted);
        return Results.Created($"/v1/memories/{name}/prunes/{version.Version}", Describe(version));
    }

    private static async Task<IResult> Apply(string name, string version, HttpRequest request, JsonBody body, MemoryCatalog catalog)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<ApplyPruneRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var mode = input!.Mode switch
        {
            null or "soft" => PruningMode.Soft,
            "hard" => PruningMode.Hard,
            _ => (PruningMode?)null,
        };
        if (mode is null)
        {
            return Problems.Invalid("mode", $"unknown mode '{input.Mode}'; use \"hard\" or \"soft\"");
        }
        return WithVersion(name, version, catalog, (m, v) => Results.Ok(Describe(m.ApplyPrune(v.Version, mode.Value))));
    }

    private static IResult WithVersion(string name, string version, MemoryCatalog catalog, Func<LocalMemory, PruneVersion, IResult> action)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return Problems.Invalid("version", $"'{version}' is not a version number", StatusCodes.Status400BadRequest);
        }
        return memory.Pruning.Find(number) is { } found
            ? action(memory, found)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown prune version.", detail: $"memory '{name}' has no prune version {number}");
    }

    private static PruneOffendersOutput Offenders(LocalMemory memory, PruneVersion version, int limit)
    {
        var soft = new SoftPruning(version.Options.SoftC, version.Options.SoftD);
        var top = PruneOffender.TopOffenders(version.Counts, limit, id => memory.TryGetItem(id, out var item) ? item.Label : null);
        return new PruneOffendersOutput(version.Version, [.. top.Select(o => new PruneOffenderOutput(
            o.Id, o.Label is { } l ? memory.Labels[l] : null, o.Count, soft.Gamma(o.Count), o.Count >= version.HardThreshold))]);
    }

    // Option problems name their field first ("k must be ...").
    private static string FieldOf(string problem) => problem.Split(' ')[0];

    private static PruneVersionOutput Describe(PruneVersion v) => new(
        v.Version, v.CreatedAt, v.Options.K, AggregationOptions.NameOf(v.Options.EffectiveAggregation.Kind), v.Options.CountAllNeighbours,
        v.HardThreshold, v.Options.SoftC, v.Options.SoftD, v.MemorySize, v.Misclassified, v.Counts.Count, v.HardPrunedCount);

    private static AppliedPruneOutput? Describe(AppliedPrune? a) =>
        a is null ? null : new(a.Version, a.Mode == PruningMode.Hard ? "hard" : "soft", a.AppliedAt);
}
