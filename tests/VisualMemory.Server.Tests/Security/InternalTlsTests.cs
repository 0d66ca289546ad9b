using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Security;

/// <summary>
/// Mutual TLS on the internal port, with real node processes and certificates made by the openssl command line:
/// a coordinator and a shard host that talk only over https answer like one node; the port refuses clients without a
/// certificate, with one from another CA, and cleartext h2c, and still wants the cluster secret; a node whose TLS
/// settings are incomplete or unreadable does not start and names the setting.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed partial class InternalTlsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int D = 8;
    private readonly string _root = Directory.CreateTempSubdirectory("vm-internal-tls-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_coordinator_and_a_shard_host_on_https_internal_urls_answer_like_one_node()
    {
        var ca = await OpensslCertificateAuthority.CreateAsync(Path.Combine(_root, "pki"), "cluster");
        var database = await postgres.CreateDatabaseAsync("tls_" + Guid.NewGuid().ToString("N")[..8]);
        var objects = Path.Combine(_root, "objects");
        var nodes = new Dictionary<string, ServerProcess>();
        try
        {
            foreach (var (name, roles) in new[] { ("coordinator", "Coordinator"), ("shardhost", "ShardHost") })
            {
                var (certificate, key) = await ca.IssueAsync(name);
                nodes[name] = await ServerProcess.StartAsync(Path.Combine(_root, name),
                [
                    $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:Roles={roles}",
                    $"--Cluster:InternalUrl=https://127.0.0.1:{FreePort()}",
                    $"--Security:InternalCertificatePath={certificate}", $"--Security:InternalKeyPath={key}", $"--Security:InternalCaPath={ca.CertificatePath}",
                    "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200", "--Cluster:ShardTimeoutMilliseconds=5000",
                    "--Storage:Kind=local", $"--Storage:Directory={objects}", "--Logging:LogLevel:Default=Warning",
                ], TimeSpan.FromSeconds(60));
            }
            var coordinator = nodes["coordinator"].Client;
            var registered = await coordinator.GetFromJsonAsync<JsonNode>(new Uri("/v1/cluster/nodes", UriKind.Relative));
            Assert.Contains("https://127.0.0.1:", registered!.ToJsonString(), StringComparison.Ordinal);

            using var single = new ServerFixture(Path.Combine(_root, "single"));
            var definition = new { name = "m", dimension = D, shards = 2, replicas = 1, index = "Flat" };
            Assert.Equal(HttpStatusCode.Created, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), definition)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await single.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), definition)).StatusCode);
            // Every shard lives on the shard host, so each write and search below crosses the internal port.
            await Until(async () => JsonNode.Parse(await coordinator.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!["shards"]!.AsArray()
                .All(shard => (string?)shard!["primary"] == "shardhost" && shard["replicas"]!.AsArray().All(r => (string?)r!["state"] == "ready")));

            var random = new Random(5);
            var items = Enumerable.Range(0, 60).Select(i => new { id = (long)i, label = $"c{i % 3}", vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray() }).ToArray();
            foreach (var batch in items.Chunk(ServerFixture.MaxItems))
            {
                Assert.Equal(HttpStatusCode.OK, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch })).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await single.Client.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch })).StatusCode);
            }
            foreach (var query in items.Take(4).Select(i => i.vector))
            {
                Assert.Equal(await PostOk(single.Client, "/v1/memories/m/search", new { vector = query, k = 10 }), await PostOk(coordinator, "/v1/memories/m/search", new { vector = query, k = 10 }));
                var classify = new { vector = query, k = 15, aggregation = "rank" };
                var expected = JsonNode.Parse(await PostOk(single.Client, "/v1/memories/m/classify", classify))!;
                var actual = JsonNode.Parse(await PostOk(coordinator, "/v1/memories/m/classify", classify))!;
                Assert.Equal((string?)expected["label"], (string?)actual["label"]);
                Assert.Equal((double)expected["confidence"]!, (double)actual["confidence"]!, 12);
            }
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_internal_port_refuses_clients_without_a_certificate_from_the_cluster_ca_and_cleartext()
    {
        var ca = await OpensslCertificateAuthority.CreateAsync(Path.Combine(_root, "pki"), "cluster");
        var foreignCa = await OpensslCertificateAuthority.CreateAsync(Path.Combine(_root, "pki"), "foreign");
        var node = await ca.IssueAsync("node");
        var peer = await ca.IssueAsync("peer");
        var foreign = await foreignCa.IssueAsync("intruder");
        var port = FreePort();
        using var server = await ServerProcess.StartAsync(Path.Combine(_root, "node"),
        [
            $"--Cluster:InternalUrl=https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            $"--Security:InternalCertificatePath={node.Certificate}", $"--Security:InternalKeyPath={node.Key}", $"--Security:InternalCaPath={ca.CertificatePath}",
            "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        using var trustedCa = X509CertificateLoader.LoadCertificateFromFile(ca.CertificatePath);
        using var peerCertificate = X509Certificate2.CreateFromPemFile(peer.Certificate, peer.Key);
        using var foreignCertificate = X509Certificate2.CreateFromPemFile(foreign.Certificate, foreign.Key);
        var https = new Uri($"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

        // The control: a peer of the same CA gets through TLS to the route, which still wants the cluster secret.
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(https, trustedCa, peerCertificate, secret: null));
        Assert.Equal(HttpStatusCode.NotFound, await Post(https, trustedCa, peerCertificate, ServerProcess.ClusterSecret));

        // Without a client certificate, or with one from another CA, the server ends the TLS handshake with an error and
        // no HTTP answer comes back, even with the secret. (The client may believe its half of the handshake done: the
        // server judges the client's certificate only after the client's last handshake message.)
        await Assert.ThrowsAsync<HttpRequestException>(() => Post(https, trustedCa, clientCertificate: null, ServerProcess.ClusterSecret));
        await Assert.ThrowsAsync<HttpRequestException>(() => Post(https, trustedCa, foreignCertificate, ServerProcess.ClusterSecret));
        Assert.True(await ServerSpeaksHttp2(port, trustedCa, peerCertificate));
        Assert.False(await ServerSpeaksHttp2(port, trustedCa, clientCertificate: null));
        Assert.False(await ServerSpeaksHttp2(port, trustedCa, foreignCertificate));

        // Cleartext HTTP/2 with prior knowledge, the internal protocol of http nodes, is not spoken here.
        await Assert.ThrowsAsync<HttpRequestException>(() => Post(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), trustedCa, peerCertificate, ServerProcess.ClusterSecret));

        // And the node proves itself with the CA's certificate: a client that trusts only the foreign CA refuses it.
        using var foreignRoot = X509CertificateLoader.LoadCertificateFromFile(foreignCa.CertificatePath);
        await Assert.ThrowsAsync<HttpRequestException>(() => Post(https, foreignRoot, peerCertificate, ServerProcess.ClusterSecret));
    }

    [Fact]
    public async Task A_node_with_an_https_internal_url_and_missing_or_unreadable_tls_files_refuses_to_start()
    {
        var ca = await OpensslCertificateAuthority.CreateAsync(Path.Combine(_root, "pki"), "cluster");
        var node = await ca.IssueAsync("node");
        var other = await ca.IssueAsync("other");
        var garbage = Path.Combine(_root, "garbage-ca.crt");
        await File.WriteAllTextAsync(garbage, "this is not a certificate\n");
        string[] Settings(string? certificate, string? key, string? caPath) =>
        [
            $"--Cluster:InternalUrl=https://127.0.0.1:{FreePort()}", "--Logging:LogLevel:Default=Warning",
            .. new[] { ("InternalCertificatePath", certificate), ("InternalKeyPath", key), ("InternalCaPath", caPath) }
                .Where(s => s.Item2 is not null).Select(s => $"--Security:{s.Item1}={s.Item2}"),
        ];
        var cases = new[]
        {
            (Settings: Settings(node.Certificate, null, ca.CertificatePath), Named: "Security:InternalKeyPath"),
            (Settings: Settings(node.Certificate, node.Key, garbage), Named: "Security:InternalCaPath"),
            (Settings: Settings(node.Certificate, node.Key, Path.Combine(_root, "no-such-ca.crt")), Named: "Security:InternalCaPath"),
            // Another node's key: the message names the key setting, and nothing of the key reaches the output.
            (Settings: Settings(node.Certificate, other.Key, ca.CertificatePath), Named: "Security:InternalKeyPath"),
        };
        var keyLines = (await File.ReadAllLinesAsync(other.Key)).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        foreach (var (settings, named) in cases)
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(Path.Combine(_root, "refused"), settings, TimeSpan.FromSeconds(60)));
            var exit = ExitCode().Match(refused.Message);
            Assert.True(exit.Success, refused.Message);
            Assert.NotEqual("0", exit.Groups[1].Value);
            Assert.Contains(named, refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(keyLines, refused.Message.Contains);
        }

        // The control: the same files, complete and matching, start the node.
        using var started = await ServerProcess.StartAsync(Path.Combine(_root, "started"), Settings(node.Certificate, node.Key, ca.CertificatePath), TimeSpan.FromSeconds(60));
    }

    [GeneratedRegex("exited with (-?[0-9]+) before it was healthy")]
    private static partial Regex ExitCode();

    // A raw TLS connection to the internal port, offering h2 as nodes do, that sends the HTTP/2 client preface: true when
    // the server answers with HTTP/2 frames, false when it ends the connection (with a TLS alert or without).
    private static async Task<bool> ServerSpeaksHttp2(int port, X509Certificate2 trustedRoot, X509Certificate2? clientCertificate)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
        };
        options.CertificateChainPolicy.CustomTrustStore.Add(trustedRoot);
        if (clientCertificate is not null)
        {
            options.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
            // The connection preface and an empty SETTINGS frame (length 0, type 4, no flags, stream 0).
            await tls.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray().Concat(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }).ToArray(), timeout.Token);
            var answer = new byte[9];
            // The server's SETTINGS frame header: type 4.
            return await tls.ReadAsync(answer, timeout.Token) > 0 && answer[3] == 4;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return false;
        }
    }

    // One shard search on the internal port as another node would send it, with the given trust, client certificate and secret.
    private static async Task<HttpStatusCode> Post(Uri node, X509Certificate2 trustedRoot, X509Certificate2? clientCertificate, string? secret)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.Add(trustedRoot);
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true);
        }
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node, ShardSearchClient.Route))
        {
            Content = new ByteArrayContent([]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        if (secret is not null)
        {
            request.Headers.Add(ClusterAuthentication.Header, secret);
        }
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
