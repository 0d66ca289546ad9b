using VisualMemory.Core.Linear;
using VisualMemory.Engine;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>The linear head of JOINT-INF (research.md §3): train it on the memory, load weights, inspect, remove.</summary>
internal static class LinearHeadEndpoints
{
    private const int MaxEpochs = 1000;

    // Classes the memory has but a loaded head does not list get this bias, so their probability is ~0.
    private const float AbsentClassBias = -1e4f;

    public static void MapLinearHeadEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/memories/{name}/linear-head").WithTags("Linear head").AddEndpointFilter(new WholeMemoryOnly("a linear head (JOINT-INF)"));
        group.MapPost("/train", Train).WithSummary("Train a multinomial logistic-regression head on every item of the memory (CPU).");
        group.MapPut("/", Load).WithSummary("Load a head's weights.");
        group.MapGet("/", (string name, MemoryCatalog catalog) => catalog.Find(name) is not { } memory
            ? Problems.UnknownMemory(name)
            : memory.LinearHead is { } head
                ? Results.Ok(new LinearHeadOutput(head.Classes, head.Dimension, head.IsCentered, null))
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No linear head.", detail: $"memory '{name}' has no linear head"))
            .WithSummary("Describe the head.");
        group.MapDelete("/", (string name, MemoryCatalog catalog) =>
        {
            if (catalog.Find(name) is not { } memory)
            {
                return Problems.UnknownMemory(name);
            }
            memory.SetLinearHead(null);
            return Results.NoContent();
        }).WithSummary("Remove the head.");
    }

    private static async Task<IResult> Train(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<TrainLinearHeadRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var defaults = new LogisticRegressionOptions();
        var options = new LogisticRegressionOptions(
            input!.Epochs ?? defaults.Epochs, input.LearningRate ?? defaults.LearningRate, input.WeightDecay ?? defaults.WeightDecay,
            input.BatchSize ?? defaults.BatchSize, input.Seed ?? defaults.Seed, input.CenterFeatures ?? defaults.CenterFeatures);
        var invalid = options.Epochs > MaxEpochs ? $"epochs must be at most {MaxEpochs}" : options.Problem();
        if (invalid is not null)
        {
            return Problems.Invalid(TrainingFieldOf(options), invalid);
        }
        if (memory!.Count == 0)
        {
            return Problems.Conflict("Nothing to train on.", $"memory '{name}' holds no items");
        }
        var fit = memory.TrainLinearHead(options, request.HttpContext.RequestAborted);
        return Results.Ok(new LinearHeadOutput(fit.Head.Classes, fit.Head.Dimension, fit.Head.IsCentered, fit.EpochLosses));
    }

    // The request field a training-option problem is about (the messages name it in words: "learning rate ...").
    private static string TrainingFieldOf(LogisticRegressionOptions o) =>
        o.Epochs is < 1 or > MaxEpochs ? "epochs"
        : !(o.LearningRate > 0) || !double.IsFinite(o.LearningRate) ? "learningRate"
        : !(o.WeightDecay >= 0) || !double.IsFinite(o.WeightDecay) ? "weightDecay"
        : o.BatchSize < 1 ? "batchSize"
        : "body";

    private static async Task<IResult> Load(string name, HttpRequest request, JsonBody body, MemoryCatalog catalog)
    {
        var (memory, input, problem) = await MemoryRequest.ReadAsync<LoadLinearHeadRequest>(name, request, body, catalog).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var d = memory!.Definition.Dimension;
        if (input!.Labels is not { Count: > 0 } labels)
        {
            return Problems.Invalid("labels", "must be a non-empty array of the memory's labels");
        }
        var unknown = labels.Where(l => !memory.Labels.TryGetIndex(l ?? "", out _)).Take(5).ToList();
        if (unknown.Count > 0)
        {
            return Problems.Invalid("labels", $"not labels of this memory: {string.Join(", ", unknown)}");
        }
        if (labels.Distinct().Count() != labels.Count)
        {
            return Problems.Invalid("labels", "must not repeat a label");
        }
        if (input.Weights is not { } weights || weights.Count != labels.Count || weights.Any(w => w is null || w.Length != d || w.Any(x => !float.IsFinite(x))))
        {
            return Problems.Invalid("weights", $"must hold one row of {d} finite numbers per label");
        }
        if (input.Bias is not { } bias || bias.Length != labels.Count || bias.Any(b => !float.IsFinite(b)))
        {
            return Problems.Invalid("bias", "must hold one finite number per label");
        }
        if (input.Mean is { } mean && (mean.Length != d || mean.Any(m => !float.IsFinite(m))))
        {
            return Problems.Invalid("mean", $"must hold {d} finite numbers");
        }
        // The head scores every memory label by vocabulary index; labels it does not list score ~0.
        var classes = memory.Labels.Count;
        var full = new float[classes * d];
        var fullBias = Enumerable.Repeat(AbsentClassBias, classes).ToArray();
        for (var i = 0; i < labels.Count; i++)
        {
            memory.Labels.TryGetIndex(labels[i], out var c);
            weights[i]!.CopyTo(full.AsSpan(c * d, d));
            fullBias[c] = bias[i];
        }
        var head = LinearHead.FromWeights(full, fullBias, classes, d, input.Mean);
        memory.SetLinearHead(head);
        return Results.Ok(new LinearHeadOutput(head.Classes, head.Dimension, head.IsCentered, null));
    }
}
