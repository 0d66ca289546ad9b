using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;
using static VisualMemory.Server.Tests.Embedding.ImageTestKit;

namespace VisualMemory.Server.Tests.Embedding;

/// <summary>
/// Nodes without the model embed on embedding workers (real processes, the tiny ONNX model): in cluster mode
/// the workers are found in the control plane, without it they are listed in Embedding:Workers. A memory
/// records the worker's model file, images through the node give the worker's own vectors, a worker with
/// another file is refused (409), a bad image is refused (400) before anything is stored, and a killed worker's
/// calls go to the next one, or answer 503 naming the model when none is left.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class EmbeddingWorkerTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-workers-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string[] Worker(string modelPath, int internalPort, params string[] extra) =>
    [
        $"--Embedding:Models:tiny:Path={modelPath}", $"--Embedding:Models:tiny:Spec={TinySpec(_directory)}",
        "--Embedding:Batching:MaxWaitMicroseconds=1000", "--Embedding:MaxImagesPerRequest=8",
        "--Cluster:Roles=EmbeddingWorker", $"--Cluster:InternalUrl=http://127.0.0.1:{internalPort}", "--Logging:LogLevel:Default=Warning", .. extra,
    ];

    private Task<ServerProcess> StartAsync(string name, IReadOnlyList<string> settings) =>
        ServerProcess.StartAsync(Path.Combine(_directory, name), settings, TimeSpan.FromSeconds(60));

    [Fact]
    public async Task A_cluster_coordinator_without_models_embeds_on_workers_and_a_killed_worker_is_replaced()
    {
        var database = await postgres.CreateDatabaseAsync("workers_" + Guid.NewGuid().ToString("N")[..8]);
        string[] cluster = [$"--Cluster:Database={database}", "--Cluster:LeaseSeconds=5", "--Cluster:HeartbeatMilliseconds=200",
            "--Storage:Kind=local", $"--Storage:Directory={Path.Combine(_directory, "objects")}"];
        using var w1 = await StartAsync("w1", [.. Worker(TinyModel, FreePort(), [.. cluster, "--Cluster:NodeName=w1"])]);
        using var w2 = await StartAsync("w2", [.. Worker(TinyModel, FreePort(), [.. cluster, "--Cluster:NodeName=w2"])]);
        using var c = await StartAsync("c", [.. cluster, "--Cluster:NodeName=c", $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}",
            "--Embedding:MaxImagesPerRequest=8", "--Logging:LogLevel:Default=Warning"]);
        var client = c.Client;

        var images = Enumerable.Range(0, 6).Select(i => Png(_directory, 500 + i)).ToList();
        var (_, sha256) = await EmbedAsync(w1.Client, images[0]);
        var created = await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pics", model = "tiny", shards = 2, index = "Flat" });
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdText);
        // The model's identity came from a worker: this node has no model file at all.
        Assert.Equal(16, (int)JsonNode.Parse(createdText)!["dimension"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/v1/models", UriKind.Relative))).StatusCode);
        var memory = await UntilReadyAsync(client);
        // Workers host nothing: every replica is on the coordinator, the one shard host.
        Assert.All(memory["shards"]!.AsArray(), s => Assert.Equal("c", (string?)s!["replicas"]![0]!["node"]));

        var fields = Enumerable.Range(0, images.Count).SelectMany(i => new[] { ("id", $"{i}"), ("label", i % 2 == 0 ? "even" : "odd") }).ToArray();
        var added = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Forms(images, fields));
        Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        for (var i = 0; i < images.Count; i++)
        {
            // Through the coordinator, the vectors are the worker's own: the same embedding, the same nearest item.
            var (onWorker, workerSha) = await EmbedAsync(w2.Client, images[i]);
            var (throughCoordinator, coordinatorSha) = await EmbedAsync(client, images[i]);
            Assert.Equal(sha256, workerSha);
            Assert.Equal(sha256, coordinatorSha);
            Assert.All(onWorker.Zip(throughCoordinator), p => Assert.Equal(p.First, p.Second, 5));
            var found = JsonNode.Parse(await (await client.PostAsync(new Uri("/v1/memories/pics/search?k=1", UriKind.Relative), Raw(images[i]))).Content.ReadAsStringAsync())!;
            Assert.Equal(i, (long)found["neighbors"]![0]!["id"]!);
        }
        var classified = JsonNode.Parse(await (await client.PostAsync(new Uri("/v1/memories/pics/classify", UriKind.Relative), Form(images[3], ("k", "1")))).Content.ReadAsStringAsync())!;
        Assert.Equal("odd", (string?)classified["label"]);

        // A bad image among several is named, and nothing of the request is stored.
        var bad = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative),
            Forms([images[0], images[1], images[2][..30]], ("id", "100"), ("id", "101"), ("id", "102"), ("label", "a"), ("label", "b"), ("label", "c")));
        var badText = await bad.Content.ReadAsStringAsync();
        Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, badText);
        Assert.Contains("image 2", badText, StringComparison.Ordinal);
        Assert.Equal(images.Count, await CountAsync(client, images[0]));

        // One worker killed: the other takes every call.
        Assert.Equal(ServerProcess.SigkillExitCode, w1.Kill());
        for (var i = 0; i < 4; i++)
        {
            var response = await client.PostAsync(new Uri("/v1/memories/pics/classify?k=1", UriKind.Relative), Raw(images[i]));
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        // Both killed: a clear 503 naming the model, and still nothing stored.
        Assert.Equal(ServerProcess.SigkillExitCode, w2.Kill());
        var refused = await client.PostAsync(new Uri("/v1/memories/pics/classify?k=1", UriKind.Relative), Raw(images[0]));
        var refusedText = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, refusedText);
        Assert.Contains("model 'tiny'", refusedText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listed_workers_serve_a_node_outside_cluster_mode_and_a_worker_with_another_file_is_refused()
    {
        int p1 = FreePort(), p2 = FreePort();
        using var w1 = await StartAsync("w1", Worker(TinyModel, p1));
        using var node = await StartAsync("node", ["--Embedding:Workers:0=" + $"http://127.0.0.1:{p1}", "--Embedding:Workers:1=" + $"http://127.0.0.1:{p2}",
            "--Embedding:WorkerRetryMilliseconds=200", "--Embedding:MaxImagesPerRequest=8", "--Logging:LogLevel:Default=Warning"]);
        var client = node.Client;
        // A worker-only node answers /v1/embed publicly but keeps no memories.
        var (_, sha256) = await EmbedAsync(w1.Client, Png(_directory, 1));
        Assert.Equal(HttpStatusCode.Conflict, (await w1.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "x", dimension = 4 })).StatusCode);

        // The second listed worker is not running yet: passed over, the first answers.
        var created = await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pics", model = "tiny" });
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdText);
        Assert.Equal(sha256, (string?)JsonNode.Parse(createdText)!["model"]!["sha256"]);

        var images = Enumerable.Range(0, 4).Select(i => Png(_directory, 700 + i)).ToList();
        for (var i = 0; i < images.Count; i++)
        {
            var added = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Form(images[i], ("id", $"{i}"), ("label", $"l{i}")));
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
            var (onWorker, _) = await EmbedAsync(w1.Client, images[i]);
            var (throughNode, _) = await EmbedAsync(client, images[i]);
            Assert.All(onWorker.Zip(throughNode), p => Assert.Equal(p.First, p.Second, 5));
        }
        var bad = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Form(images[0][..40], ("id", "9"), ("label", "a")));
        Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, await bad.Content.ReadAsStringAsync());
        Assert.Equal(4, await LocalCountAsync(client));

        // A second worker with another file of "tiny": its 409 sends the call on to the first, which has the memory's file.
        using var w2 = await StartAsync("w2", Worker(OtherTinyVersion(_directory), p2));
        await Task.Delay(300);
        // A model no worker has: 404 as on a single node, saying so.
        var unknown = await client.PostAsync(new Uri("/v1/embed?model=nope", UriKind.Relative), Raw(Png(_directory, 1)));
        var unknownText = await unknown.Content.ReadAsStringAsync();
        Assert.True(unknown.StatusCode == HttpStatusCode.NotFound, unknownText);
        Assert.Contains("no embedding worker offers it", unknownText, StringComparison.Ordinal);
        for (var i = 0; i < images.Count; i++)
        {
            var found = JsonNode.Parse(await (await client.PostAsync(new Uri("/v1/memories/pics/search?k=1", UriKind.Relative), Raw(images[i]))).Content.ReadAsStringAsync())!;
            Assert.Equal(i, (long)found["neighbors"]![0]!["id"]!);
        }
        // Only the other file left: refused rather than mixed, and nothing stored.
        w1.Kill();
        var refused = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Form(images[0], ("id", "50"), ("label", "x")));
        var refusedText = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, refusedText);
        Assert.Contains("refusing to mix", refusedText, StringComparison.Ordinal);
        Assert.Equal(4, await LocalCountAsync(client));
    }

    private static async Task<long> LocalCountAsync(HttpClient client) =>
        (long)JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/pics", UriKind.Relative)))!["count"]!;

    // A distributed memory has no count: everything a search with a large k finds.
    private static async Task<int> CountAsync(HttpClient client, byte[] image)
    {
        var response = await client.PostAsync(new Uri("/v1/memories/pics/search?k=100", UriKind.Relative), Raw(image));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["neighbors"]!.AsArray().Count;
    }

    private static async Task<JsonNode> UntilReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await client.GetAsync(new Uri("/v1/memories/pics", UriKind.Relative));
            var memory = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())! : new JsonObject();
            if (response.IsSuccessStatusCode && memory["shards"]!.AsArray().All(s => s!["primary"] is not null
                && s["replicas"]!.AsArray().Any(r => (string?)r!["state"] == "ready")))
            {
                return memory;
            }
            Assert.True(DateTime.UtcNow < deadline, $"never ready: {memory.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
