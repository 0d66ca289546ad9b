using Microsoft.Extensions.Options;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>Images to vectors: <c>POST /v1/embed</c>, and the models this node runs.</summary>
internal static class EmbeddingEndpoints
{
    public static void MapEmbeddingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/embed", Embed).WithTags("Embedding")
            .WithSummary("Embed an image (raw image/* body, or multipart field 'image') with a model (?model=, or the only one configured).");
        app.MapGet("/v1/models", (EmbeddingModels models) => Results.Ok(new ModelList([.. models.Names.Order(StringComparer.Ordinal)])))
            .WithTags("Embedding").WithSummary("The embedding models configured on this node.");
    }

    private static async Task<IResult> Embed(HttpRequest request, EmbeddingModels models, ImageEmbedder embedder, IOptions<EmbeddingSettings> settings, CancellationToken cancellationToken)
    {
        if (!ImageBody.IsImage(request))
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type.",
                detail: "send the image as an image/* body or as the multipart field 'image'");
        }
        var (image, problem) = await ImageBody.ReadAsync(request, settings.Value.MaxImageBytes, cancellationToken).ConfigureAwait(false);
        if (image is null)
        {
            return problem!;
        }
        var name = image.Fields.GetValueOrDefault("model") ?? (models.Names.Count == 1 ? models.Names.Single() : null);
        if (name is null)
        {
            return Problems.Invalid("model", $"name the model (?model=); configured: {(models.Names.Count == 0 ? "none" : string.Join(", ", models.Names))}");
        }
        try
        {
            var model = models.Get(name);
            var vector = await embedder.EmbedAsync(model, image.Image, cancellationToken).ConfigureAwait(false);
            return Results.Ok(new EmbedResponse(model.Name, model.Sha256, vector.Length, vector));
        }
        catch (Exception e) when (EmbeddingProblems.From(e) is { } answer)
        {
            return answer;
        }
    }
}
