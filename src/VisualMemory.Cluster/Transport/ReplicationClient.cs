using System.Net.Security;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// Calls the replication routes of other nodes' internal ports over HTTP/2 (h2c, or TLS to https nodes): a coordinator's write to a
/// shard's primary, a primary's forward to a replica, a catching-up replica's join.
/// </summary>
/// <remarks>Thread-safe; share one instance per process.</remarks>
public sealed class ReplicationClient : IDisposable
{
    /// <summary>Where a shard's primary takes writes and replicas take forwarded ones.</summary>
    public const string WriteRoute = "/internal/v1/shard-write";

    /// <summary>Where a primary takes a catching-up replica's join.</summary>
    public const string JoinRoute = "/internal/v1/replica-join";

    private readonly HttpClient _http;

    /// <summary>Creates a client; <paramref name="timeout"/> bounds each call; every call carries <paramref name="clusterSecret"/> when set. Calls to https nodes use <paramref name="tls"/> (client certificate and server trust) when set.</summary>
    public ReplicationClient(TimeSpan timeout, string? clusterSecret = null, SslClientAuthenticationOptions? tls = null)
    {
        _http = H2cHttp.Create(timeout, clusterSecret, tls);
    }

    /// <summary>Sends a shard write (to a primary, or forwarded by one).</summary>
    /// <exception cref="ReplicationException">The node answered with an error status (its status and problem text included).</exception>
    /// <exception cref="HttpRequestException">The node is unreachable.</exception>
    /// <exception cref="TaskCanceledException">The call timed out or was canceled.</exception>
    public async Task<ShardWriteResponse> WriteAsync(Uri node, ShardWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return ShardWriteResponse.Parser.ParseFrom(await PostAsync(node, WriteRoute, write, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Asks a shard's primary to forward writes to a catching-up replica from now on, and to store a copy to load.</summary>
    /// <exception cref="ReplicationException">The node answered with an error status (e.g. it is not the primary).</exception>
    /// <exception cref="HttpRequestException">The node is unreachable.</exception>
    public async Task<ReplicaJoinResponse> JoinAsync(Uri node, ReplicaJoinRequest join, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(join);
        return ReplicaJoinResponse.Parser.ParseFrom(await PostAsync(node, JoinRoute, join, cancellationToken).ConfigureAwait(false));
    }

    private async Task<byte[]> PostAsync(Uri node, string route, IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        var (status, body) = await H2cHttp.PostProtobufAsync(_http, node, route, message, cancellationToken).ConfigureAwait(false);
        if ((int)status is < 200 or > 299)
        {
            throw new ReplicationException(status, $"{node} answered {(int)status} on {route}: {System.Text.Encoding.UTF8.GetString(body)}");
        }
        return body;
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _http.Dispose();
}
