using System.Net.Security;
using VisualMemory.Cluster.Protocol;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// Calls shard hosts' <c>POST /internal/v1/shard-search</c> over HTTP/2 (h2c with prior knowledge, or TLS to
/// an https host): one multiplexed connection per host carries every concurrent request.
/// </summary>
/// <remarks>Thread-safe; share one instance per process.</remarks>
public sealed class ShardSearchClient : IDisposable
{
    /// <summary>The route a shard host serves shard searches on (internal port only).</summary>
    public const string Route = "/internal/v1/shard-search";

    /// <summary>The media type of Protobuf request and response bodies.</summary>
    public const string MediaType = "application/x-protobuf";

    private readonly HttpClient _http;

    /// <summary>Creates a client; <paramref name="timeout"/> bounds each call (a per-shard timeout); every call carries <paramref name="clusterSecret"/> when set. Calls to https nodes use <paramref name="tls"/> (client certificate and server trust) when set.</summary>
    public ShardSearchClient(TimeSpan timeout, string? clusterSecret = null, SslClientAuthenticationOptions? tls = null)
    {
        _http = H2cHttp.Create(timeout, clusterSecret, tls);
    }

    /// <summary>Sends <paramref name="request"/> to the host at <paramref name="node"/> (its internal base address).</summary>
    /// <exception cref="HttpRequestException">The host is unreachable or answered with an error status (its problem text included).</exception>
    /// <exception cref="TaskCanceledException">The call timed out or was canceled.</exception>
    public async Task<ShardSearchResponse> SearchAsync(Uri node, ShardSearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(request);
        var (status, body) = await H2cHttp.PostProtobufAsync(_http, node, Route, request, cancellationToken).ConfigureAwait(false);
        if ((int)status is < 200 or > 299)
        {
            throw new HttpRequestException(
                $"{node} answered {(int)status} to a shard search of memory '{request.Memory}': {System.Text.Encoding.UTF8.GetString(body)}",
                null, status);
        }
        return ShardSearchResponse.Parser.ParseFrom(body);
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _http.Dispose();
}
