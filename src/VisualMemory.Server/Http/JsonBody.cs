using System.Text.Json;
using Microsoft.Extensions.Options;

namespace VisualMemory.Server.Http;

/// <summary>
/// Reads a request body as JSON with the API's own limits and error format. Minimal-API binding
/// would answer malformed JSON with a bare 400; this names the offending path instead, and enforces
/// the size limit the same way under Kestrel and the in-process test server.
/// </summary>
internal sealed class JsonBody(IOptions<ApiSettings> settings, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private readonly ApiSettings _settings = settings.Value;
    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    /// <summary>The parsed body, or the problem response to send instead.</summary>
    public async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        if (request.ContentLength > _settings.MaxRequestBodyBytes)
        {
            return (null, TooLarge());
        }
        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type.", detail: $"send application/json, not '{type}'"));
        }
        var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(new LimitedStream(buffer, _settings.MaxRequestBodyBytes), request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (BodyTooLargeException)
        {
            return (null, TooLarge());
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        if (buffer.Length == 0)
        {
            return (null, Problems.Invalid("body", "the request body is empty; send a JSON object", StatusCodes.Status400BadRequest));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), _options);
            return value is null
                ? (null, Problems.Invalid("body", "expected a JSON object, got null", StatusCodes.Status400BadRequest))
                : (value, null);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            return (null, Problems.Invalid(field, $"malformed JSON: {FirstSentence(e.Message)}", StatusCodes.Status400BadRequest));
        }
    }

    private IResult TooLarge() =>
        Problems.TooLarge("body", $"the request body exceeds {_settings.MaxRequestBodyBytes} bytes");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
