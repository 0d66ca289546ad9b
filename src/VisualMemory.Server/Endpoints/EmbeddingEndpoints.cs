using Microsoft.Extensions.Options;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>Images to vectors: <c>POST /v1/embed</c> and <c>/v1/embed/batch</c>, and the models this node runs.</summary>
internal static class EmbeddingEndpoints
{
    public static void MapEmbeddingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embed", async (HttpRequest request, EmbeddingService embedding, IOptions<EmbeddingSettings> settings, IOptions<ApiSettings> api, CancellationToken cancellationToken) =>
        {
            var (embedded, problem) = await EmbedAsync(request, embedding, settings.Value, api.Value, 1, cancellationToken).ConfigureAwait(false);
            return embedded is null ? problem! : Results.Ok(new EmbedResponse(embedded.Model.Name, embedded.Model.Sha256, embedded.Model.Dimension, embedded.Vectors[0]));
        }).WithTags("Embedding")
            .WithSummary("Embed an image (raw image/* body, or multipart field 'image') with a model (?model=, or the only one configured).");
        app.MapPost("/v1/embed/batch", async (HttpRequest request, EmbeddingService embedding, IOptions<EmbeddingSettings> settings, IOptions<ApiSettings> api, CancellationToken cancellationToken) =>
        {
            var (embedded, problem) = await EmbedAsync(request, embedding, settings.Value, api.Value, settings.Value.MaxImagesPerRequest, cancellationToken).ConfigureAwait(false);
            return embedded is null ? problem! : Results.Ok(new EmbedBatchResponse(embedded.Model.Name, embedded.Model.Sha256, embedded.Model.Dimension, embedded.Vectors));
        }).WithTags("Embedding")
            .WithSummary("Embed several images (multipart, one part named 'image' per image, in order) with a model (?model=); vectors in the same order.");
        app.MapGet("/v1/models", (EmbeddingService embedding) => Results.Ok(new ModelList([.. embedding.LocalModels.Order(StringComparer.Ordinal)])))
            .WithTags("Embedding").WithSummary("The embedding models configured on this node.");
    }

    private static async Task<(EmbeddedImages? Embedded, IResult? Problem)> EmbedAsync(HttpRequest request, EmbeddingService embedding, EmbeddingSettings settings, ApiSettings api,
        int maxImages, CancellationToken cancellationToken)
    {
        if (!ImageBody.IsImage(request))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                detail: "send the image as an image/* body or as the multipart field 'image'"));
        }
        var (image, problem) = await ImageBody.ReadAsync(request, settings.MaxImageBytes, maxImages, api.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        if (image is null)
        {
            return (null, problem);
        }
        var local = embedding.LocalModels;
        var name = image.Fields.GetValueOrDefault("model") ?? (local.Count == 1 ? local.Single() : null);
        if (name is null)
        {
            return (null, Problems.Invalid("model", $"name the model (?model=); configured: {(local.Count == 0 ? "none" : string.Join(", ", local))}"));
        }
        try
        {
            return (await embedding.EmbedAsync(name, [.. image.Images.Select(i => (ReadOnlyMemory<byte>)i)], cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (EmbeddingProblems.From(e) is { } answer)
        {
            return (null, answer);
        }
    }
}
