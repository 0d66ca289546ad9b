using System.Net;

namespace VisualMemory.Cluster.Transport;

/// <summary>The HTTP client every node-to-node caller uses: cleartext HTTP/2 with prior knowledge, multiplexed per host.</summary>
internal static class H2cHttp
{
    /// <summary>A client whose calls are bounded by <paramref name="timeout"/>.</summary>
    public static HttpClient Create(TimeSpan timeout) =>
        new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            // Cleartext HTTP/2 needs prior knowledge: never fall back to HTTP/1.1 silently.
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = timeout,
        };
}
