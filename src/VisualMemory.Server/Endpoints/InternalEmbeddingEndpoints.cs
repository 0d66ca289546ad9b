using System.Diagnostics;
using VisualMemory.Core.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The embedding worker's route on the internal port (<c>POST /internal/v1/embed</c>, see embedding.proto):
/// images to vectors with a model configured on this node, refused when the caller expects another file.
/// Only this node's own models answer: a worker never forwards, so two nodes cannot pass images back and forth.
/// </summary>
internal static class InternalEmbeddingEndpoints
{
    public static void MapInternalEmbeddingEndpoints(this IEndpointRouteBuilder app, int internalPort)
    {
        app.MapPost(EmbeddingClient.Route, Embed).RequireHost($"*:{internalPort}").ExcludeFromDescription();
    }

    private static async Task<IResult> Embed(HttpRequest request, EmbeddingModels models, LocalEmbedding local, NodeIdentity identity,
        IOptions<EmbeddingSettings> settings, IOptions<ApiSettings> api, CancellationToken cancellationToken)
    {
        // A child of the ASP.NET Core request span, itself continued from the caller's traceparent.
        using var activity = Tracing.Source.StartActivity("internal embed", ActivityKind.Server);
        var (input, problem) = await InternalBody.ReadAsync(request, EmbedRequest.Parser, api.Value).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        if (input.Model.Length == 0)
        {
            return Problems.Invalid("model", "is required");
        }
        if (input.Images.Count > settings.Value.MaxImagesPerRequest)
        {
            return Problems.TooLarge("images", $"at most {settings.Value.MaxImagesPerRequest} images per request, got {input.Images.Count}");
        }
        LoadedModel model;
        try
        {
            model = models.Get(input.Model);
        }
        catch (EmbeddingUnavailableException e)
        {
            // The caller passes this on to its own client, for whom "this node" would be the wrong one.
            return Results.Problem(statusCode: e.Status, title: e.Title, detail: $"embedding worker {identity.Name}: {e.Message}");
        }
        try
        {
            if (input.ExpectedSha256.Length > 0 && input.ExpectedSha256 != model.Sha256)
            {
                return Problems.Conflict("Model mismatch.",
                    $"model '{model.Name}' on embedding worker {identity.Name} has sha256 {model.Sha256}, not {input.ExpectedSha256}; refusing to mix two models' vectors");
            }
            var answer = new EmbedResponse { Model = model.Name, Sha256 = model.Sha256, Dimension = model.Spec.Dimension };
            if (input.Images.Count > 0)
            {
                var vectors = await local.EmbedAsync(model, [.. input.Images.Select(i => i.Memory)], cancellationToken).ConfigureAwait(false);
                foreach (var vector in vectors)
                {
                    answer.Vectors.AddRange(vector);
                }
            }
            return Results.Bytes(answer.ToByteArray(), ShardSearchClient.MediaType);
        }
        catch (Exception e) when (EmbeddingProblems.From(e) is { } refusal)
        {
            return refusal;
        }
    }
}
