using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace VisualMemory.Cluster.Transport;

/// <summary>The HTTP client every node-to-node caller uses: cleartext HTTP/2 with prior knowledge, multiplexed per host.</summary>
internal static class H2cHttp
{
    /// <summary>
    /// A client whose calls are bounded by <paramref name="timeout"/> and carry <paramref name="clusterSecret"/>
    /// (when set) in <see cref="ClusterAuthentication.Header"/>.
    /// </summary>
    public static HttpClient Create(TimeSpan timeout, string? clusterSecret)
    {
        var http = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            // Cleartext HTTP/2 needs prior knowledge: never fall back to HTTP/1.1 silently.
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout,
        };
        if (!string.IsNullOrEmpty(clusterSecret))
        {
            // A default header, so no caller can forget it; HttpClient never logs header values.
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
