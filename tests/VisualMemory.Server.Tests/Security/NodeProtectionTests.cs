using System.Net;
using System.Net.Http.Headers;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;
using static VisualMemory.Server.Tests.Security.SecurityTestKeys;

namespace VisualMemory.Server.Tests.Security;

/// <summary>
/// What only a real server process shows: the startup refusal, the cluster secret on the internal HTTP/2 port,
/// Kestrel's body limit on a chunked multipart body, and TLS with a certificate from configuration.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class NodeProtectionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vm-protect-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<ServerProcess> Start(string name, IReadOnlyList<string> settings, string scheme = "http", Func<HttpMessageHandler>? handler = null, string listenHost = "127.0.0.1") =>
        ServerProcess.StartAsync(Path.Combine(_root, name), [.. settings, "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60), scheme, handler, listenHost);

    [Fact]
    public async Task A_node_listening_beyond_loopback_without_keys_refuses_to_start_unless_anonymous_is_allowed()
    {
        const string Wide = "0.0.0.0";
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Start("open", [], listenHost: Wide));
        Assert.Contains("listens beyond loopback (http://0.0.0.0:", refused.Message, StringComparison.Ordinal);
        Assert.Contains("set Security:ApiKeys", refused.Message, StringComparison.Ordinal);

        var cluster = await Assert.ThrowsAsync<InvalidOperationException>(() => Start("cluster", ["--Cluster:Database=Host=127.0.0.1;Port=1;Database=none",
            $"--Storage:Directory={Path.Combine(_root, "objects")}", $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}", "--Security:ClusterSecret="]));
        Assert.Contains("without Security:ClusterSecret", cluster.Message, StringComparison.Ordinal);

        // Keys make the wide listener fine; AllowAnonymous starts it too, with a warning.
        using (var keyed = await Start("keyed", Switches(), listenHost: Wide))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await keyed.Client.GetAsync(new Uri("/v1/memories", UriKind.Relative))).StatusCode);
        }
        using var anonymous = await Start("anonymous", ["--Security:AllowAnonymous=true"], listenHost: Wide);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.Client.GetAsync(new Uri("/v1/memories", UriKind.Relative))).StatusCode);
        Assert.Contains("Starting anyway because Security:AllowAnonymous=true", anonymous.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Internal_routes_refuse_calls_without_the_cluster_secret()
    {
        var internalUrl = new Uri($"http://127.0.0.1:{FreePort()}");
        using var node = await Start("node", [$"--Cluster:InternalUrl={internalUrl}", "--Security:ClusterSecret=the-right-cluster-secret"]);
        using var h2 = new HttpClient();
        async Task<HttpStatusCode> Post(string route, string? secret)
        {
            // A message's own version, not the client's default, is what SendAsync uses.
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(internalUrl, route))
            {
                Content = new ByteArrayContent([]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
            if (secret is not null)
            {
                request.Headers.Add(ClusterAuthentication.Header, secret);
            }
            using var response = await h2.SendAsync(request);
            return response.StatusCode;
        }
        foreach (var route in new[] { ShardSearchClient.Route, ReplicationClient.WriteRoute, ReplicationClient.JoinRoute, "/INTERNAL/v1/shard-search" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await Post(route, null));
            Assert.Equal(HttpStatusCode.Unauthorized, await Post(route, "the-wrong-cluster-secret"));
        }
        // With the secret the call reaches the route, which finds nothing to search.
        Assert.Equal(HttpStatusCode.NotFound, await Post(ShardSearchClient.Route, "the-right-cluster-secret"));
    }

    [Fact]
    public async Task A_chunked_multipart_body_over_the_limit_gets_413()
    {
        using var node = await Start("limits", ["--Api:MaxRequestBodyBytes=100000", "--Embedding:MaxImageBytes=10000"]);
        // No Content-Length: only the server's own limit can stop it.
        using var body = new MultipartFormDataContent { { new StreamContent(new MemoryStream(new byte[400_000])), "image", "big.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/embed", UriKind.Relative)) { Content = new ChunkedContent(body) };
        using var response = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        // A JSON body over Api:MaxRequestBodyBytes is refused the same way.
        using var json = await node.Client.PostAsync(new Uri("/v1/memories", UriKind.Relative), new StringContent(new string(' ', 150_000), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, json.StatusCode);
    }

    [Fact]
    public async Task Https_with_a_certificate_from_configuration_serves_clients_that_trust_it()
    {
        using var certificate = new SelfSignedCertificate(Path.Combine(_root, "node.pfx"), "pfx-password-1234");
        // Without and with an internal port: the node declares its public listeners itself in the second case.
        foreach (var extra in new[] { Array.Empty<string>(), [$"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}"] })
        {
            using var node = await Start("tls", [.. certificate.Switches, .. Switches(), .. extra], "https", certificate.TrustingHandler);
            Assert.Equal("https", node.Client.BaseAddress!.Scheme);
            using var answered = await node.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", Query));
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            // A client that does not trust the certificate cannot talk to it at all.
            using var untrusting = new HttpClient { BaseAddress = node.Client.BaseAddress };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri("/healthz", UriKind.Relative)));
        }
    }

    // Hides the length, so the request goes out with Transfer-Encoding: chunked.
    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent _inner;

        public ChunkedContent(HttpContent inner)
        {
            _inner = inner;
            // The multipart boundary is in Content-Type.
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyTo(stream, context, cancellationToken);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream, context);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
