using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The public and internal API of a memory distributed over two real nodes (PostgreSQL control plane,
/// one shared object directory, two replicas per shard): bad writes refused before anything is stored,
/// deletes and unlearning reaching every replica, whole-memory features refused with 501, the internal
/// replication routes refusing malformed, misrouted and stale writes, and drop removing every copy.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class DistributedMemoryApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int D = 8;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-distributed-api-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_deletes_refusals_and_drop_behave_on_a_distributed_memory()
    {
        var database = await postgres.CreateDatabaseAsync("api_" + Guid.NewGuid().ToString("N")[..8]);
        var objects = Path.Combine(_root, "objects");
        var ports = new Dictionary<string, int> { ["n1"] = FreePort(), ["n2"] = FreePort() };
        var nodes = new Dictionary<string, ServerProcess>();
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        h2.DefaultRequestHeaders.Add(ClusterAuthentication.Header, ServerProcess.ClusterSecret);
        try
        {
            foreach (var name in ports.Keys)
            {
                nodes[name] = await ServerProcess.StartAsync(Path.Combine(_root, name),
                [
                    $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:InternalUrl=http://127.0.0.1:{ports[name]}",
                    "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200", "--Storage:Kind=local", $"--Storage:Directory={objects}",
                    "--Logging:LogLevel:Default=Warning",
                ], TimeSpan.FromSeconds(60));
            }
            var n1 = nodes["n1"].Client;
            var n2 = nodes["n2"].Client;
            Assert.Equal(HttpStatusCode.Created, (await n1.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, shards = 2, replicas = 2, index = "Flat" })).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await n2.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D })).StatusCode);
            var memory = await UntilAsync(n2, m => m["shards"]!.AsArray().All(s => s!["primary"] is not null
                && s["replicas"]!.AsArray().Count(r => (string?)r!["state"] == "ready") == 2));
            Assert.Equal(2, (int)memory["replicationFactor"]!);
            Assert.Contains("m", (await n2.GetFromJsonAsync<JsonObject>(new Uri("/v1/memories", UriKind.Relative)))!["distributed"]!.AsArray().Select(m => (string?)m!["name"]));

            var random = new Random(9);
            var items = Enumerable.Range(0, 40).Select(i => new { id = (long)i, label = i < 10 ? "cat" : "dog", vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray() }).ToArray();
            Assert.Equal(HttpStatusCode.OK, (await n1.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items })).StatusCode);

            // A bad row refuses the whole request before anything is routed: item 100 is never stored.
            var bad = await n2.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative),
                new { items = new object[] { new { id = 100L, label = "cat", vector = new float[D] }, new { id = 101L, label = "cat", vector = new float[D + 1] } } });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Contains("items[1].vector", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await n2.PostAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
            Assert.Equal(40, await CountAsync(n1, items[0].vector));

            // Delete and unlearning reach every replica: both nodes answer without the items, whichever replica serves.
            Assert.Equal(HttpStatusCode.NoContent, (await n2.DeleteAsync(new Uri("/v1/memories/m/items/39", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await n2.DeleteAsync(new Uri("/v1/memories/m/items/39", UriKind.Relative))).StatusCode);
            var unlearned = await n1.PostAsJsonAsync(new Uri("/v1/memories/m/unlearn", UriKind.Relative), new { label = "cat" });
            Assert.Equal(HttpStatusCode.OK, unlearned.StatusCode);
            Assert.Equal(10, (int)JsonNode.Parse(await unlearned.Content.ReadAsStringAsync())!["deleted"]!);
            foreach (var client in new[] { n1, n2 })
            {
                var hits = await SearchAsync(client, items[0].vector, 100);
                Assert.Equal(29, hits.Count);
                Assert.DoesNotContain(hits, h => h.Label == "cat" || h.Id == 39);
            }
            foreach (var node in ports.Values)
            {
                // Each replica answers for its own shards straight from the internal port: none holds a deleted item.
                foreach (var shard in new[] { 0, 1 })
                {
                    var request = new ShardSearchRequest { Memory = "m", Dimension = D, K = 100 };
                    request.Shards.Add(shard);
                    request.Queries.AddRange(Normalised(items[0].vector));
                    var answer = ShardSearchResponse.Parser.ParseFrom(await PostProtobufAsync(h2, node, ShardSearchClient.Route, request, HttpStatusCode.OK));
                    Assert.DoesNotContain(answer.Queries[0].Ids, id => id < 10 || id == 39);
                }
            }

            // Features that need the whole memory on one node say so.
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/v1/memories/m/prunes"), (HttpMethod.Get, "/v1/memories/m/taxonomy"), (HttpMethod.Get, "/v1/memories/m/items/1"), (HttpMethod.Post, "/v1/memories/m/seal") })
            {
                var response = await n1.SendAsync(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)));
                Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
                Assert.Contains("distributed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // The internal write route refuses what a coordinator or primary would never send.
            var internal1 = ports["n1"];
            using (var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))
            {
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await h2.PostAsync(new Uri($"http://127.0.0.1:{internal1}{ReplicationClient.WriteRoute}"), json)).StatusCode);
            }
            using (var garbage = new ByteArrayContent([0xFF, 0xFF, 0xFF]))
            {
                garbage.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
                Assert.Equal(HttpStatusCode.BadRequest, (await h2.PostAsync(new Uri($"http://127.0.0.1:{internal1}{ReplicationClient.WriteRoute}"), garbage)).StatusCode);
            }
            await PostProtobufAsync(h2, internal1, ReplicationClient.WriteRoute, new ShardWrite { Memory = "nope", Shard = 0, Kind = WriteKind.Delete }, HttpStatusCode.NotFound);
            var ragged = new ShardWrite { Memory = "m", Shard = 0, Kind = WriteKind.Upsert };
            ragged.Ids.Add(500);
            await PostProtobufAsync(h2, internal1, ReplicationClient.WriteRoute, ragged, HttpStatusCode.UnprocessableEntity);
            var stale = new ShardWrite { Memory = "m", Shard = 0, Kind = WriteKind.Delete, Primary = "n2", Term = 0 };
            stale.Ids.Add(11);
            await PostProtobufAsync(h2, internal1, ReplicationClient.WriteRoute, stale, HttpStatusCode.Conflict);
            Assert.Equal(29, await CountAsync(n2, items[0].vector));

            // Drop: the control plane forgets it, hosts close their replicas, every copy is deleted.
            Assert.Equal(HttpStatusCode.NoContent, (await n2.DeleteAsync(new Uri("/v1/memories/m", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await n2.GetAsync(new Uri("/v1/memories/m", UriKind.Relative))).StatusCode);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            // Other nodes read the control plane at most a heartbeat late.
            while ((await n1.GetAsync(new Uri("/v1/memories/m", UriKind.Relative))).StatusCode != HttpStatusCode.NotFound)
            {
                Assert.True(DateTime.UtcNow < deadline, "the other node still shows the dropped memory");
                await Task.Delay(50);
            }
            while (Directory.Exists(Path.Combine(objects, "replicas", "m")) && Directory.EnumerateFiles(Path.Combine(objects, "replicas", "m"), "*", SearchOption.AllDirectories).Any())
            {
                Assert.True(DateTime.UtcNow < deadline, "replica copies remain after the drop");
                await Task.Delay(200);
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

    private static async Task<byte[]> PostProtobufAsync(HttpClient h2, int port, string route, IMessage message, HttpStatusCode expected)
    {
        using var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        using var response = await h2.PostAsync(new Uri($"http://127.0.0.1:{port}{route}"), content);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == expected, $"{route}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }

    private static async Task<int> CountAsync(HttpClient client, float[] query) => (await SearchAsync(client, query, 100)).Count;

    private static async Task<List<(long Id, string Label)>> SearchAsync(HttpClient client, float[] query, int k)
    {
        var response = await client.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = query, k });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonNode.Parse(text)!["neighbors"]!.AsArray().Select(n => ((long)n!["id"]!, (string)n["label"]!))];
    }

    private static async Task<JsonNode> UntilAsync(HttpClient client, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            // A node that did not create the memory sees it within one control-plane reading.
            var response = await client.GetAsync(new Uri("/v1/memories/m", UriKind.Relative));
            var memory = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())! : new JsonObject();
            if (response.IsSuccessStatusCode && done(memory))
            {
                return memory;
            }
            Assert.True(DateTime.UtcNow < deadline, $"never ready: {memory.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
