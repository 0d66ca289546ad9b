using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text.Json;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// Calls an embedding worker's <c>POST /internal/v1/embed</c> over HTTP/2 (h2c, or TLS to an https worker): images to vectors with a named
/// model, or (no images) the model's identity. One multiplexed connection per worker.
/// </summary>
/// <remarks>Thread-safe; share one instance per process.</remarks>
public sealed class EmbeddingClient : IDisposable
{
    /// <summary>The route an embedding worker serves on its internal port.</summary>
    public const string Route = "/internal/v1/embed";

    private readonly HttpClient _http;

    /// <summary>Creates a client; <paramref name="timeout"/> bounds each call (queueing on the worker included); every call carries <paramref name="clusterSecret"/> when set. Calls to https nodes use <paramref name="tls"/> (client certificate and server trust) when set.</summary>
    public EmbeddingClient(TimeSpan timeout, string? clusterSecret = null, SslClientAuthenticationOptions? tls = null)
    {
        _http = H2cHttp.Create(timeout, clusterSecret, tls);
    }

    /// <summary>Sends <paramref name="request"/> to the worker at <paramref name="worker"/> (its internal base address).</summary>
    /// <exception cref="EmbeddingCallException">The worker answered with an error status; its problem title, detail and Retry-After included.</exception>
    /// <exception cref="HttpRequestException">The worker is unreachable.</exception>
    /// <exception cref="TaskCanceledException">The call timed out or was canceled.</exception>
    public async Task<EmbedResponse> EmbedAsync(Uri worker, EmbedRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(request);
        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        using var response = await _http.PostAsync(new Uri(worker, Route), content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return EmbedResponse.Parser.ParseFrom(body);
        }
        var (title, detail) = ReadProblem(body);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        throw new EmbeddingCallException(response.StatusCode, title ?? response.ReasonPhrase ?? "Embedding refused.",
            detail ?? $"{worker} answered {(int)response.StatusCode}", retryAfter);
    }

    // Problem details as the worker wrote them; a body that is not one (a proxy's page) leaves both null.
    private static (string? Title, string? Detail) ReadProblem(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? (null, null) : (Text(root, "title"), Text(root, "detail"));
        }
        catch (JsonException)
        {
            return (null, null);
        }

        static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _http.Dispose();
}
