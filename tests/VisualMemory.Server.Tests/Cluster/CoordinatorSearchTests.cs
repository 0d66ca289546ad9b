using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// Any node answers a search or classify for a distributed memory: two real nodes on one PostgreSQL and
/// one s3rver bucket, one replica per shard (so each node hosts some shards), searched and classified
/// through either node (control-plane definition, fan-out to the Ready replicas over HTTP/2) exactly as
/// one embedded node holding the same items answers; with one node SIGKILLed, 503 naming the shards no
/// replica answered, until its shards are re-placed on the survivor from their stored copies.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class CoordinatorSearchTests(PostgresFixture postgres, S3ServerFixture s3) : IClassFixture<PostgresFixture>, IClassFixture<S3ServerFixture>, IDisposable
{
    private const int D = 8;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-coordinator-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Either_node_answers_like_one_node_and_refuses_while_shards_are_gone()
    {
        var database = await postgres.CreateDatabaseAsync("coord_" + Guid.NewGuid().ToString("N")[..8]);
        var prefix = "coord-" + Guid.NewGuid().ToString("N")[..8] + "/";
        var nodes = new Dictionary<string, ServerProcess>();
        try
        {
            foreach (var name in new[] { "n1", "n2" })
            {
                nodes[name] = await ServerProcess.StartAsync(Path.Combine(_root, name),
                [
                    $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}",
                    "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200", "--Cluster:ShardTimeoutMilliseconds=2000",
                    "--Storage:Kind=s3", $"--Storage:S3:ServiceUrl={s3.ServiceUrl}", $"--Storage:S3:Bucket={S3ServerFixture.Bucket}", $"--Storage:S3:Prefix={prefix}",
                    "--Logging:LogLevel:Default=Warning",
                ], TimeSpan.FromSeconds(60));
            }
            // The reference: one embedded node holding the same items ("holder" below).
            using var single = new ServerFixture(Path.Combine(_root, "single"));
            var holder = single.Client;
            var coordinator = nodes["n1"].Client;
            var definition = new { name = "m", dimension = D, shards = 4, replicas = 1, center = Enumerable.Repeat(0.05f, D).ToArray() };
            Assert.Equal(HttpStatusCode.Created, (await nodes["n2"].Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), definition)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await holder.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), definition)).StatusCode);
            await Until(async () => JsonNode.Parse(await coordinator.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!["shards"]!.AsArray()
                .All(shard => shard!["primary"] is not null));
            var random = new Random(3);
            var items = Enumerable.Range(0, 120).Select(i => new { id = (long)i, label = $"c{i % 4}", vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray() }).ToArray();
            foreach (var batch in items.Chunk(40))
            {
                Assert.Equal(HttpStatusCode.OK, (await holder.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch })).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await nodes["n2"].Client.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch })).StatusCode);
            }

            var queries = items.Take(6).Select(i => i.vector).ToArray();
            foreach (var query in queries)
            {
                var expected = await Search(holder, query);
                Assert.Equal(expected, await Search(coordinator, query));
            }
            var batchExpected = await PostOk(holder, "/v1/memories/m/search/batch", new { vectors = queries, k = 5 });
            Assert.Equal(batchExpected, await PostOk(coordinator, "/v1/memories/m/search/batch", new { vectors = queries, k = 5 }));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = new float[D + 1], k = 5 })).StatusCode);

            // Classify: the same neighbours and the same aggregation give the same answer (labels by name).
            foreach (var aggregation in new[] { "rank", "distance", "softmax" })
            {
                foreach (var query in queries.Take(3))
                {
                    var request = new { vector = query, k = 15, aggregation };
                    var expected = JsonNode.Parse(await PostOk(holder, "/v1/memories/m/classify", request))!;
                    var actual = JsonNode.Parse(await PostOk(coordinator, "/v1/memories/m/classify", request))!;
                    Assert.Equal((string?)expected["label"], (string?)actual["label"]);
                    Assert.Equal((double)expected["confidence"]!, (double)actual["confidence"]!, 12);
                    Assert.Equal(Scores(expected), Scores(actual));
                }
            }
            var explain = await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/classify", UriKind.Relative), new { vector = queries[0], explain = true });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, explain.StatusCode);
            Assert.Contains("explain", await explain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/nope/search", UriKind.Relative), new { vector = queries[0], k = 5 })).StatusCode);

            // With one replica per shard, n2's shards die with it: the coordinator says which are gone, until
            // they are re-placed on n1 from their stored copies (acknowledged writes not yet checkpointed
            // are lost with n2's disk: that is what one replica means).
            var onN2 = JsonNode.Parse(await coordinator.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!["shards"]!.AsArray()
                .Where(shard => (string?)shard!["primary"] == "n2").Select(shard => (int)shard!["shard"]!).ToList();
            Assert.NotEmpty(onN2);
            Assert.Equal(ServerProcess.SigkillExitCode, nodes["n2"].Kill());
            var gone = await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = queries[0], k = 5 });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);
            Assert.Contains($"shards {string.Join(", ", onN2)}", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await Until(async () => (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = queries[0], k = 5 })).StatusCode == HttpStatusCode.OK);
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
    }

    private static SortedDictionary<string, double> Scores(JsonNode classification) =>
        new(classification["scores"]!.AsObject().ToDictionary(p => p.Key, p => Math.Round((double)p.Value!, 12)), StringComparer.Ordinal);

    private static async Task<string> Search(HttpClient client, float[] query) => await PostOk(client, "/v1/memories/m/search", new { vector = query, k = 10 });
}
