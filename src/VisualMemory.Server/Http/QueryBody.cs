using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using VisualMemory.Engine;
using VisualMemory.Server.Embedding;

namespace VisualMemory.Server.Http;

/// <summary>
/// Reads a query (search or classify) whether it came as JSON with a vector or as an image: an image is
/// embedded with the memory's own model and becomes the request's <c>vector</c>, its other parameters read
/// from the query string or form fields, so everything after this is the same code for both.
/// </summary>
internal sealed class QueryBody(JsonBody json, EmbeddingService embedding, IOptions<EmbeddingSettings> settings, IOptions<ApiSettings> api,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions)
{
    private readonly JsonSerializerOptions _options = jsonOptions.Value.SerializerOptions;

    /// <summary>The request, or the problem to answer (bad JSON, bad image, model missing or mismatched, queue full).</summary>
    public async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, MemoryDefinition memory, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(memory);
        if (!ImageBody.IsImage(request))
        {
            return await json.ReadAsync<T>(request).ConfigureAwait(false);
        }
        var (fields, vector, problem) = await EmbedAsync(request, memory, cancellationToken).ConfigureAwait(false);
        return vector is null ? (null, problem) : ToRequest<T>(fields!, vector);
    }

    /// <summary>The request's image embedded with the memory's model, and its text fields; or the problem to answer.</summary>
    public async Task<(IReadOnlyDictionary<string, string>? Fields, float[]? Vector, IResult? Problem)> EmbedAsync(HttpRequest request, MemoryDefinition memory, CancellationToken cancellationToken)
    {
        var (body, vectors, problem) = await EmbedImagesAsync(request, memory, 1, cancellationToken).ConfigureAwait(false);
        return body is null ? (null, null, problem) : (body.Fields, vectors![0], null);
    }

    /// <summary>
    /// The request's images (at most <paramref name="maxImages"/>) embedded with the memory's model, in order, and
    /// the body they came in (for its fields); or the problem to answer.
    /// </summary>
    public async Task<(ImageBody? Body, float[][]? Vectors, IResult? Problem)> EmbedImagesAsync(HttpRequest request, MemoryDefinition memory, int maxImages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var (image, problem) = await ImageBody.ReadAsync(request, settings.Value.MaxImageBytes, maxImages, api.Value.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        if (image is null)
        {
            return (null, null, problem);
        }
        try
        {
            return (image, await embedding.EmbedForAsync(memory, image.Images.Select(i => (ReadOnlyMemory<byte>)i).ToArray(), cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (EmbeddingProblems.From(e) is { } answer)
        {
            return (null, null, answer);
        }
    }

    // Text fields become JSON values (numbers and booleans when they parse as such), plus the vector.
    private (T?, IResult?) ToRequest<T>(IReadOnlyDictionary<string, string> fields, float[] vector) where T : class
    {
        var body = new JsonObject();
        foreach (var (key, text) in fields)
        {
            body[key] = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number)
                : bool.TryParse(text, out var flag) ? JsonValue.Create(flag)
                : JsonValue.Create(text);
        }
        body["vector"] = new JsonArray([.. vector.Select(v => (JsonNode?)JsonValue.Create(v))]);
        try
        {
            return (body.Deserialize<T>(_options), null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, Problems.Invalid(field, "not a value this parameter takes", StatusCodes.Status400BadRequest));
        }
    }
}
