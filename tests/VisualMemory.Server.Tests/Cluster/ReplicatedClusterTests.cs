using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using Xunit.Abstractions;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The multi-process cluster suite: real node processes on loopback sharing one PostgreSQL (control
/// plane) and one s3rver bucket (object storage), memories distributed as shard replicas. Checks that the
/// cluster answers like a single node on an exact index, that a SIGKILLed node costs no query with two
/// replicas, and that its replicas are re-placed and loaded on the survivors with every acknowledged
/// write still there.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class ReplicatedClusterTests(PostgresFixture postgres, S3ServerFixture s3, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>, IClassFixture<S3ServerFixture>, IDisposable
{
    private const int D = 16;
    private const int Shards = 4;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-replicated-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Two_replicas_answer_like_one_node_lose_no_query_to_a_SIGKILL_and_keep_every_acknowledged_write()
    {
        var cluster = await StartClusterAsync(["n1", "n2", "n3"]);
        try
        {
            var n1 = cluster["n1"].Client;
            var n2 = cluster["n2"].Client;
            Assert.Equal(HttpStatusCode.Created, (await n1.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative),
                new { name = "m", dimension = D, shards = Shards, replicas = 2, index = "Flat" })).StatusCode);
            await UntilAsync(n1, placement => Ready(placement) == Shards * 2 && Primaries(placement) == Shards, "every replica ready with a primary");

            // Writes through one coordinator, reads through every node, compared with one embedded node.
            var items = Items(0, 400);
            foreach (var batch in items.Chunk(50))
            {
                await PostOk(n2, "/v1/memories/m/items", new { items = Json(batch) });
            }
            using var single = new ServerFixture(Path.Combine(_root, "single"));
            await PostOk(single.Client, "/v1/memories", new { name = "m", dimension = D, shards = Shards, index = "Flat" });
            foreach (var batch in items.Chunk(50))
            {
                await PostOk(single.Client, "/v1/memories/m/items", new { items = Json(batch) });
            }
            var queries = Items(10_000, 12).Select(i => i.vector).ToArray();
            foreach (var query in queries)
            {
                var expected = await Neighbours(single.Client, query);
                foreach (var node in cluster.Values)
                {
                    AssertSameNeighbours(expected, await Neighbours(node.Client, query));
                }
            }
            var classify = new { vector = queries[0], k = 15, aggregation = "softmax" };
            Assert.Equal((string?)JsonNode.Parse(await PostOk(single.Client, "/v1/memories/m/classify", classify))!["label"],
                (string?)JsonNode.Parse(await PostOk(n1, "/v1/memories/m/classify", classify))!["label"]);

            // Steady query load through n1 while n3 is SIGKILLed; writes continue through n2.
            using var load = ClusterLoad.Start(n1, queries, workers: 2, writer: n2, firstId: 1000, batch: 20, pauseMilliseconds: 50, items.Select(i => i.id));
            await Task.Delay(1000);
            Assert.Equal(ServerProcess.SigkillExitCode, cluster["n3"].Kill());
            // Past the lease: n3 is declared dead, its replicas are re-placed on n1 and n2 and catch up.
            await UntilAsync(n1, placement => Ready(placement) == Shards * 2 && placement.All(r => (string?)r!["node"] != "n3") && Primaries(placement) == Shards,
                "replication factor restored on the survivors");
            await Task.Delay(1000);
            var (served, failures, acknowledged) = await load.StopAsync();
            output.WriteLine($"served {served} queries during the kill, failed {failures.Count}; acknowledged {acknowledged.Count} items");
            Assert.True(failures.Count == 0, $"{failures.Count} failed queries, first: {failures.FirstOrDefault()}");
            Assert.True(served > 50, $"only {served} queries were served");
            Assert.True(acknowledged.Count > items.Length, "no write was acknowledged during the kill and recovery");

            // Every acknowledged item is found (its own vector's nearest neighbour is itself), through both survivors.
            var byId = Items(0, 400).Concat(Enumerable.Range(0, 200).SelectMany(b => Items(1000 + (b * 20), 20))).ToDictionary(i => i.id);
            foreach (var node in new[] { n1, n2 })
            {
                foreach (var id in acknowledged)
                {
                    var top = await Neighbours(node, byId[id].vector, 1);
                    Assert.True(top.Count == 1 && top[0].Id == id, $"item {id} is missing");
                }
            }
        }
        finally
        {
            foreach (var node in cluster.Values)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task Moving_a_shard_and_draining_a_node_under_load_fail_no_query_and_lose_no_write()
    {
        var cluster = await StartClusterAsync(["n1", "n2", "n3"]);
        try
        {
            var n1 = cluster["n1"].Client;
            // One replica per shard: the strictest case, since a move has no second replica to fall back on.
            await PostOk(n1, "/v1/memories", new { name = "m", dimension = D, shards = Shards, replicas = 1, index = "Flat" });
            await UntilAsync(n1, placement => Ready(placement) == Shards && Primaries(placement) == Shards, "every replica ready with a primary");
            var items = Items(0, 200);
            foreach (var batch in items.Chunk(100))
            {
                await PostOk(n1, "/v1/memories/m/items", new { items = Json(batch) });
            }
            var queries = Items(10_000, 8).Select(i => i.vector).ToArray();
            using var load = ClusterLoad.Start(n1, queries, workers: 2, writer: n1, firstId: 1000, batch: 10, pauseMilliseconds: 30, items.Select(i => i.id));

            // Move shard 0 to a node that does not hold it: the new replica catches up, then the old one leaves.
            var placement = await PlacementAsync(n1);
            var from = (string)placement.First(r => (int)r!["shard"]! == 0)!["node"]!;
            var to = cluster.Keys.First(n => n != from);
            var moved = await n1.PostAsJsonAsync(new Uri("/v1/cluster/shards/move", UriKind.Relative), new { memory = "m", shard = 0, from, to });
            Assert.Equal(HttpStatusCode.Accepted, moved.StatusCode);
            await UntilAsync(n1, p => p.Any(r => (int)r!["shard"]! == 0 && (string?)r["node"] == to && (bool?)r["primary"] == true)
                && !p.Any(r => (int)r!["shard"]! == 0 && (string?)r["node"] == from), $"shard 0 moved from {from} to {to}");
            await UntilOperationsDone(n1);

            // Drain a node: all its replicas go elsewhere, make-before-break.
            var drained = cluster.Keys.First(n => n != "n1");
            Assert.Equal(HttpStatusCode.Accepted, (await n1.PostAsync(new Uri($"/v1/cluster/nodes/{drained}/drain", UriKind.Relative), null)).StatusCode);
            await UntilAsync(n1, p => p.All(r => (string?)r!["node"] != drained) && Ready(p) == Shards && Primaries(p) == Shards, $"{drained} drained");
            await UntilOperationsDone(n1);
            await Task.Delay(500);
            var (served, failures, acknowledged) = await load.StopAsync();
            output.WriteLine($"served {served} queries during the move and the drain, failed {failures.Count}; acknowledged {acknowledged.Count} items");
            Assert.True(failures.Count == 0, $"{failures.Count} failed queries, first: {failures.FirstOrDefault()}");
            Assert.True(acknowledged.Count > items.Length, "no write was acknowledged during the move");
            var byId = Items(0, 200).Concat(Enumerable.Range(0, 2000).SelectMany(b => Items(1000 + (b * 10), 10))).ToDictionary(i => i.id);
            foreach (var id in acknowledged)
            {
                var top = await Neighbours(n1, byId[id].vector, 1);
                Assert.True(top.Count == 1 && top[0].Id == id, $"item {id} is missing");
            }
        }
        finally
        {
            foreach (var node in cluster.Values)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task With_one_replica_a_SIGKILL_costs_a_bounded_reported_number_of_queries_until_its_shards_are_reloaded()
    {
        var cluster = await StartClusterAsync(["n1", "n2", "n3"]);
        try
        {
            var n1 = cluster["n1"].Client;
            await PostOk(n1, "/v1/memories", new { name = "m", dimension = D, shards = Shards, replicas = 1, index = "Flat" });
            await UntilAsync(n1, placement => Ready(placement) == Shards && Primaries(placement) == Shards, "every replica ready with a primary");
            foreach (var batch in Items(0, 200).Chunk(100))
            {
                await PostOk(n1, "/v1/memories/m/items", new { items = Json(batch) });
            }
            var victim = (string)(await PlacementAsync(n1)).First(r => (string?)r!["node"] != "n1")!["node"]!;
            var lost = (await PlacementAsync(n1)).Where(r => (string?)r!["node"] == victim).Select(r => (int)r!["shard"]!).Order().ToList();
            var queries = Items(10_000, 8).Select(i => i.vector).ToArray();
            using var load = ClusterLoad.Start(n1, queries, workers: 1, writer: null, firstId: 0, batch: 0, pauseMilliseconds: 0, []);
            await Task.Delay(500);
            var killedAt = DateTime.UtcNow;
            Assert.Equal(ServerProcess.SigkillExitCode, cluster[victim].Kill());
            await UntilAsync(n1, p => Ready(p) == Shards && p.All(r => (string?)r!["node"] != victim) && Primaries(p) == Shards, "the lost shards reloaded on the survivors");
            var recoveredAt = DateTime.UtcNow;
            await Task.Delay(1500);
            await load.StopAsync();
            var outcomes = load.Outcomes;
            var failed = outcomes.Where(o => !o.Ok).ToList();
            output.WriteLine($"{outcomes.Count} queries, {failed.Count} failed between the kill and the reload ({(recoveredAt - killedAt).TotalSeconds:F1} s)");
            // Failures are reported (503 naming exactly the lost shards), only in the window, and stop once the shards are back.
            Assert.NotEmpty(failed);
            Assert.All(failed, f => Assert.Contains($"shards {string.Join(", ", lost)}", f.Detail, StringComparison.Ordinal));
            Assert.All(failed, f => Assert.InRange(f.At, killedAt, recoveredAt.AddSeconds(1)));
            Assert.All(outcomes.Where(o => o.At > recoveredAt.AddSeconds(1)), o => Assert.True(o.Ok, o.Detail));
            Assert.Contains(outcomes, o => o.Ok && o.At > recoveredAt.AddSeconds(1));
        }
        finally
        {
            foreach (var node in cluster.Values)
            {
                node.Dispose();
            }
        }
    }

    private static async Task UntilOperationsDone(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string text;
        while (!(bool)JsonNode.Parse(text = await client.GetStringAsync(new Uri("/v1/cluster/operations", UriKind.Relative)))!["done"]!)
        {
            Assert.True(DateTime.UtcNow < deadline, $"operations never finished: {text}");
            await Task.Delay(200);
        }
    }

    /// <summary>Query workers (and optionally a writer) running against a cluster, recording every outcome.</summary>
    private sealed class ClusterLoad : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];

        private ClusterLoad(IEnumerable<long> acknowledged) => Acknowledged = [.. acknowledged];

        /// <summary>Every query's time, success and (on failure) status and body.</summary>
        public ConcurrentQueue<(DateTime At, bool Ok, string Detail)> Outcomes { get; } = new();

        /// <summary>Ids the cluster acknowledged, the initial ones included.</summary>
        public HashSet<long> Acknowledged { get; }

        public static ClusterLoad Start(HttpClient client, float[][] queries, int workers, HttpClient? writer, int firstId, int batch, int pauseMilliseconds, IEnumerable<long> acknowledged)
        {
            var load = new ClusterLoad(acknowledged);
            var stop = load._stop.Token;
            for (var worker = 0; worker < workers; worker++)
            {
                var q = worker;
                load._tasks.Add(Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var response = await client.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = queries[q++ % queries.Length], k = 10 });
                        var ok = response.StatusCode == HttpStatusCode.OK;
                        load.Outcomes.Enqueue((DateTime.UtcNow, ok, ok ? "" : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"));
                    }
                }));
            }
            if (writer is not null)
            {
                load._tasks.Add(Task.Run(async () =>
                {
                    for (var next = firstId; !stop.IsCancellationRequested; next += batch)
                    {
                        var items = Items(next, batch);
                        if ((await writer.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = Json(items) })).StatusCode == HttpStatusCode.OK)
                        {
                            lock (load.Acknowledged)
                            {
                                load.Acknowledged.UnionWith(items.Select(i => i.id));
                            }
                        }
                        await Task.Delay(pauseMilliseconds);
                    }
                }));
            }
            return load;
        }

        /// <summary>Stops and returns the queries served, the failures and the acknowledged ids.</summary>
        public async Task<(int Served, List<string> Failures, HashSet<long> Acknowledged)> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_tasks);
            return (Outcomes.Count(o => o.Ok), [.. Outcomes.Where(o => !o.Ok).Select(o => o.Detail)], Acknowledged);
        }

        public void Dispose() => _stop.Dispose();
    }

    private async Task<Dictionary<string, ServerProcess>> StartClusterAsync(IReadOnlyList<string> names)
    {
        var database = await postgres.CreateDatabaseAsync("repl_" + Guid.NewGuid().ToString("N")[..8]);
        var prefix = "cluster-" + Guid.NewGuid().ToString("N")[..8] + "/";
        var nodes = new Dictionary<string, ServerProcess>();
        foreach (var name in names)
        {
            nodes[name] = await ServerProcess.StartAsync(Path.Combine(_root, name),
            [
                $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}",
                "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200", "--Cluster:ShardTimeoutMilliseconds=2000",
                // The product default: a first write reaches replica hosts still warming up, and 2 s was seen to
                // lapse under a loaded CI machine (a SIGKILLed peer fails fast by connection reset, not by this bound).
                "--Cluster:ReplicationTimeoutMilliseconds=5000",
                "--Storage:Kind=s3", $"--Storage:S3:ServiceUrl={s3.ServiceUrl}", $"--Storage:S3:Bucket={S3ServerFixture.Bucket}", $"--Storage:S3:Prefix={prefix}",
                "--Logging:LogLevel:Default=Warning",
            ], TimeSpan.FromSeconds(60));
        }
        return nodes;
    }

    private static (long id, string label, float[] vector)[] Items(int first, int count)
    {
        // Seeded per id, so any item's vector can be recomputed; random directions never tie.
        return [.. Enumerable.Range(first, count).Select(i =>
        {
            var random = new Random(i * 7919 + 1);
            return ((long)i, $"c{i % 5}", Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        })];
    }

    private static object[] Json(IEnumerable<(long id, string label, float[] vector)> items) =>
        [.. items.Select(i => new { i.id, i.label, i.vector })];

    private static int Ready(JsonArray placement) => placement.Count(r => (string?)r!["state"] == "ready");

    private static int Primaries(JsonArray placement) => placement.Count(r => (bool?)r!["primary"] == true);

    // The replicas of memory m with their state, and whether each is its shard's primary.
    private static async Task<JsonArray> PlacementAsync(HttpClient client)
    {
        var memory = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!;
        var rows = new JsonArray();
        foreach (var shard in memory["shards"]!.AsArray())
        {
            foreach (var replica in shard!["replicas"]!.AsArray())
            {
                rows.Add(new JsonObject
                {
                    ["shard"] = (int)shard["shard"]!, ["node"] = (string?)replica!["node"], ["state"] = (string?)replica["state"],
                    ["primary"] = (string?)shard["primary"] == (string?)replica["node"] && (string?)replica["state"] == "ready",
                });
            }
        }
        return rows;
    }

    private static async Task UntilAsync(HttpClient client, Func<JsonArray, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonArray placement;
        while (!done(placement = await PlacementAsync(client)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"never reached: {what}; placement {placement.ToJsonString()}");
            await Task.Delay(200);
        }
    }

    private static async Task<IReadOnlyList<(long Id, string Label, double Similarity)>> Neighbours(HttpClient client, float[] query, int k = 10)
    {
        var result = JsonNode.Parse(await PostOk(client, "/v1/memories/m/search", new { vector = query, k }))!;
        return [.. result["neighbors"]!.AsArray().Select(n => ((long)n!["id"]!, (string)n["label"]!, (double)n["similarity"]!))];
    }

    private static void AssertSameNeighbours(IReadOnlyList<(long Id, string Label, double Similarity)> expected, IReadOnlyList<(long Id, string Label, double Similarity)> actual)
    {
        Assert.Equal(expected.Select(e => (e.Id, e.Label)), actual.Select(a => (a.Id, a.Label)));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Similarity, a.Similarity, 5);
        }
    }

    private static async Task<string> PostOk(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return text;
    }
}
