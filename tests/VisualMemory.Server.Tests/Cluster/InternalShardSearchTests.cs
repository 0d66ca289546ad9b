using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Search;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;

using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The node-to-node shard search on a real server process: Protobuf over cleartext HTTP/2 on the
/// internal port. Searching shards separately and merging equals the node's own search, which is
/// what a coordinator will do across hosts.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class InternalShardSearchTests : IAsyncLifetime
{
    private const int D = 8;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "vm-internal-" + Guid.NewGuid().ToString("N"));
    private readonly int _internalPort = FreePort();
    private ServerProcess? _server;

    private Uri Internal => new($"http://127.0.0.1:{_internalPort}");

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_dataDirectory, [$"--Cluster:InternalUrl={Internal}", "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));
        var created = await _server.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, index = "Flat", shards = 4 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var random = new Random(5);
        var items = Enumerable.Range(0, 200).Select(i => new
        {
            id = (long)i,
            label = $"c{i % 5}",
            vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
        });
        foreach (var batch in items.Chunk(100))
        {
            var added = await _server.Client.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch });
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Shards_searched_apart_over_http2_and_merged_equal_the_nodes_own_search()
    {
        var query = Normalised([0.3f, -0.2f, 0.1f, 0.4f, -0.5f, 0.2f, 0.0f, 0.1f]);
        using var client = new ShardSearchClient(TimeSpan.FromSeconds(30), ServerProcess.ClusterSecret);
        var vocabulary = new LabelVocabulary();
        // The coordinator's own vocabulary order differs from the host's: names map across.
        vocabulary.GetOrAdd("c4");
        var halves = new List<Neighbor[][]>();
        foreach (var shards in new[] { new[] { 0, 1 }, new[] { 2, 3 } })
        {
            var request = new ShardSearchRequest { Memory = "m", Dimension = D, K = 10 };
            request.Shards.Add(shards);
            request.Queries.Add(query);
            halves.Add(ShardSearchCodec.Decode(await client.SearchAsync(Internal, request), vocabulary.GetOrAdd));
        }
        var merged = TopKMerger.Merge([halves[0][0], halves[1][0]], 10);

        var direct = await _server!.Client.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = query, k = 10 });
        var expected = JsonNode.Parse(await direct.Content.ReadAsStringAsync())!["neighbors"]!.AsArray();
        Assert.Equal(expected.Select(n => (long)n!["id"]!), merged.Select(n => n.Id));
        Assert.Equal(expected.Select(n => (string)n!["label"]!), merged.Select(n => vocabulary[n.Label]));
        Assert.Equal(expected.Select(n => (float)n!["similarity"]!), merged.Select(n => n.Similarity));
    }

    [Fact]
    public async Task The_internal_route_is_only_on_the_internal_port_and_only_over_http2()
    {
        var request = new ShardSearchRequest { Memory = "m", Dimension = D, K = 3 };
        request.Queries.Add(Normalised([1, 0, 0, 0, 0, 0, 0, 0]));
        using var onPublic = new ByteArrayContent(request.ToByteArray());
        onPublic.Headers.ContentType = new(ShardSearchClient.MediaType);
        // Even with the cluster secret (without it the answer is 401 on any port).
        using var publicCall = new HttpRequestMessage(HttpMethod.Post, new Uri(ShardSearchClient.Route, UriKind.Relative)) { Content = onPublic };
        publicCall.Headers.Add(ClusterAuthentication.Header, ServerProcess.ClusterSecret);
        Assert.Equal(HttpStatusCode.NotFound, (await _server!.Client.SendAsync(publicCall)).StatusCode);

        using var http1 = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        http1.DefaultRequestHeaders.Add(ClusterAuthentication.Header, ServerProcess.ClusterSecret);
        using var overHttp1 = new ByteArrayContent(request.ToByteArray());
        overHttp1.Headers.ContentType = new(ShardSearchClient.MediaType);
        // An HTTP/2-only port does not speak HTTP/1.1: the request fails instead of being served.
        HttpStatusCode? status = null;
        try
        {
            using var answer = await http1.PostAsync(new Uri(Internal, ShardSearchClient.Route), overHttp1);
            status = answer.StatusCode;
        }
        catch (HttpRequestException)
        {
            // the connection was refused at the protocol level: also not served
        }
        Assert.True(status is null or >= HttpStatusCode.BadRequest, $"HTTP/1.1 on the internal port was answered {status}");
    }

    [Fact]
    public async Task Bad_requests_get_problem_details_naming_the_field()
    {
        using var client = new ShardSearchClient(TimeSpan.FromSeconds(30), ServerProcess.ClusterSecret);
        async Task<(HttpStatusCode? Status, string Message)> Send(ShardSearchRequest request)
        {
            try
            {
                await client.SearchAsync(Internal, request);
                return (HttpStatusCode.OK, "");
            }
            catch (HttpRequestException e)
            {
                return (e.StatusCode, e.Message);
            }
        }
        ShardSearchRequest Valid()
        {
            var request = new ShardSearchRequest { Memory = "m", Dimension = D, K = 3 };
            request.Queries.Add(Normalised([1, 0, 0, 0, 0, 0, 0, 0]));
            return request;
        }
        Assert.Equal(HttpStatusCode.OK, (await Send(Valid())).Status);
        var unknown = Valid();
        unknown.Memory = "nope";
        Assert.Equal(HttpStatusCode.NotFound, (await Send(unknown)).Status);
        var wrongDimension = Valid();
        wrongDimension.Queries.Add(1f);
        var (status, message) = await Send(wrongDimension);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("queries", message, StringComparison.Ordinal);
        var badShard = Valid();
        badShard.Shards.Add(4);
        (status, message) = await Send(badShard);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("shards", message, StringComparison.Ordinal);
        var badK = Valid();
        badK.K = 0;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Send(badK)).Status);

        using var http2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        http2.DefaultRequestHeaders.Add(ClusterAuthentication.Header, ServerProcess.ClusterSecret);
        using var garbage = new ByteArrayContent([0xff, 0xff, 0xff, 0x01]);
        garbage.Headers.ContentType = new(ShardSearchClient.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await http2.PostAsync(new Uri(Internal, ShardSearchClient.Route), garbage)).StatusCode);
        using var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http2.PostAsync(new Uri(Internal, ShardSearchClient.Route), json)).StatusCode);
    }
}
