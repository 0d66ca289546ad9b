using System.Net;
using System.Net.Http.Headers;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;
using static VisualMemory.Server.Tests.Security.SecurityTestKeys;

namespace VisualMemory.Server.Tests.Security;

/// <summary>
/// A cluster node configured with every kind of secret (API keys, cluster secret, S3 secret key, database
/// password), logging at Debug, answering requests that fail authentication: none of the secrets, nor the
/// wrong keys callers sent, appears in anything it writes or answers.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class SecretLoggingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string ClusterSecret = "cluster-secret-in-logs-test-7f3a";
    private const string S3SecretKey = "s3-secret-key-in-logs-test-91c2";
    private const string DatabasePassword = "db-password-in-logs-test-5d8e";
    private const string WrongKey = "wrong-key-in-logs-test-2b6f0000";

    private readonly string _root = Directory.CreateTempSubdirectory("vm-secrets-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task No_secret_appears_in_the_nodes_output_or_answers()
    {
        // The fixture's server trusts local connections, so the password is carried but never checked.
        var database = await postgres.CreateDatabaseAsync("secrets_" + Guid.NewGuid().ToString("N")[..8]) + $";Password={DatabasePassword}";
        var internalUrl = new Uri($"http://127.0.0.1:{FreePort()}");
        using var node = await ServerProcess.StartAsync(Path.Combine(_root, "node"),
        [
            .. Switches(), $"--Security:ClusterSecret={ClusterSecret}", $"--Storage:S3:SecretKey={S3SecretKey}",
            $"--Cluster:Database={database}", "--Cluster:NodeName=secretive", $"--Cluster:InternalUrl={internalUrl}",
            $"--Storage:Directory={Path.Combine(_root, "objects")}", "--Logging:LogLevel:Default=Debug",
        ], TimeSpan.FromSeconds(60));
        var answers = new List<string>();
        async Task Send(HttpClient client, HttpRequestMessage request, HttpStatusCode expected)
        {
            using var response = await client.SendAsync(request);
            answers.Add(await response.Content.ReadAsStringAsync());
            Assert.Equal(expected, response.StatusCode);
        }

        await Send(node.Client, Request(HttpMethod.Get, "/v1/memories", WrongKey), HttpStatusCode.Unauthorized);
        var viaHeader = Request(HttpMethod.Post, "/v1/memories", json: new { name = "m", dimension = 4 });
        viaHeader.Headers.Add("X-Api-Key", WrongKey);
        await Send(node.Client, viaHeader, HttpStatusCode.Unauthorized);
        await Send(node.Client, Request(HttpMethod.Post, "/v1/memories", Query, new { name = "m", dimension = 4 }), HttpStatusCode.Forbidden);
        await Send(node.Client, Request(HttpMethod.Get, "/v1/memories", Admin), HttpStatusCode.OK);
        using var h2 = new HttpClient();
        var internalCall = new HttpRequestMessage(HttpMethod.Post, new Uri(internalUrl, ShardSearchClient.Route))
        {
            Content = new ByteArrayContent([]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        internalCall.Content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        internalCall.Headers.Add(ClusterAuthentication.Header, WrongKey);
        await Send(h2, internalCall, HttpStatusCode.Unauthorized);

        // Killing waits until the output has been read to its end.
        node.Kill();
        var output = node.Output;
        Assert.Contains("Request starting", output, StringComparison.Ordinal);
        foreach (var secret in new[] { Query, Admin, ClusterSecret, S3SecretKey, DatabasePassword, WrongKey })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.All(answers, answer => Assert.DoesNotContain(secret, answer, StringComparison.Ordinal));
        }
    }
}
