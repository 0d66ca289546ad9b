using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using Google.Protobuf;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// The HTTP client every node-to-node caller uses: HTTP/2 multiplexed per host, cleartext with prior knowledge to
/// http nodes, over TLS (ALPN h2) to https nodes.
/// </summary>
internal static class H2cHttp
{
    /// <summary>
    /// A client whose calls are bounded by <paramref name="timeout"/> and carry <paramref name="clusterSecret"/>
    /// (when set) in <see cref="ClusterAuthentication.Header"/>; calls to https nodes use <paramref name="tls"/> (when set:
    /// the client certificate and the trust to check servers with; otherwise the system's defaults).
    /// </summary>
    public static HttpClient Create(TimeSpan timeout, string? clusterSecret, SslClientAuthenticationOptions? tls = null)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (tls is not null)
        {
            handler.SslOptions = tls;
        }
        var http = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            // Cleartext HTTP/2 needs prior knowledge, and internal ports speak nothing else: never fall back to HTTP/1.1 silently.
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout,
        };
        if (!string.IsNullOrEmpty(clusterSecret))
        {
            // A default header, so no caller can forget it; HttpClient never logs header values. Sent over TLS too:
            // the certificate says the caller is a node of this CA, the secret that it belongs to this cluster.
            http.DefaultRequestHeaders.Add(ClusterAuthentication.Header, clusterSecret);
        }
        return http;
    }

    /// <summary>Posts <paramref name="message"/> as Protobuf to <paramref name="route"/> on <paramref name="node"/>; the status and body as answered.</summary>
    public static async Task<(HttpStatusCode Status, byte[] Body)> PostProtobufAsync(HttpClient http, Uri node, string route, IMessage message, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        using var response = await http.PostAsync(new Uri(node, route), content, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }
}
