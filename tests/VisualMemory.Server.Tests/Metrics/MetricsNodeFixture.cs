using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Embedding;
using VisualMemory.TestSupport;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>
/// One real node process with a little of everything the metrics report: a vector memory with items, classify and
/// search (one refused with 422), an unlearning request, a finished ingest job, and an image memory on the tests'
/// tiny ONNX model (decode, queue wait, embed, batch sizes). Shared by the tests of a class.
/// </summary>
public sealed class MetricsNodeFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("vm-metrics-").FullName;

    public ServerProcess Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await ServerProcess.StartAsync(Path.Combine(Directory, "data"),
        [
            $"--Embedding:Models:tiny:Path={ImageTestKit.TinyModel}", $"--Embedding:Models:tiny:Spec={ImageTestKit.TinySpec(Directory)}",
            "--Embedding:Batching:MaxWaitMicroseconds=1000", "--Ingest:PollMilliseconds=50", "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        var client = Node.Client;
        await PostAsync(client, "/v1/memories", new { name = "vectors", dimension = 8, index = "Flat", shards = 2 }, HttpStatusCode.Created);
        var items = Enumerable.Range(0, 40).Select(i => new { id = i, label = $"c{i % 4}", vector = Vector(i) }).ToArray();
        await PostAsync(client, "/v1/memories/vectors/items", new { items }, HttpStatusCode.OK);
        for (var i = 0; i < 5; i++)
        {
            await PostAsync(client, "/v1/memories/vectors/classify", new { vector = Vector(100 + i), k = 5, aggregation = "rank" }, HttpStatusCode.OK);
            await PostAsync(client, "/v1/memories/vectors/search", new { vector = Vector(200 + i), k = 3 }, HttpStatusCode.OK);
        }
        await PostAsync(client, "/v1/memories/vectors/classify", new { vector = new float[3], k = 5 }, HttpStatusCode.UnprocessableEntity);
        await PostAsync(client, "/v1/memories/vectors/unlearn", new { ids = new[] { 1, 2 } }, HttpStatusCode.OK);

        var manifest = WriteIngestDataset();
        var job = await PostAsync(client, "/v1/jobs/ingest", new { memory = "vectors", manifest }, HttpStatusCode.Accepted);
        await WaitForJobAsync(client, (long)job["id"]!);

        await PostAsync(client, "/v1/memories", new { name = "pics", model = "tiny" }, HttpStatusCode.Created);
        for (var i = 0; i < 4; i++)
        {
            var added = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative),
                ImageTestKit.Form(ImageTestKit.Png(Directory, i), ("id", $"{i}"), ("label", i % 2 == 0 ? "even" : "odd")));
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        }
        var classified = await client.PostAsync(new Uri("/v1/memories/pics/classify?k=3", UriKind.Relative), ImageTestKit.Raw(ImageTestKit.Png(Directory, 9)));
        Assert.True(classified.StatusCode == HttpStatusCode.OK, await classified.Content.ReadAsStringAsync());
    }

    public Task DisposeAsync()
    {
        Node?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    private static float[] Vector(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f)];
    }

    private static async Task<JsonNode> PostAsync(HttpClient client, string path, object body, HttpStatusCode expected)
    {
        var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task WaitForJobAsync(HttpClient client, long id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var job = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative)))!;
            if ((string?)job["state"] != "running")
            {
                Assert.True((string?)job["state"] == "succeeded", job.ToJsonString());
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"job {id} still running: {job.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    // 300 rows of float32 vectors with a CSV of id, label (one bad row), ids after the items added above.
    private string WriteIngestDataset()
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = Directory };
        using var process = Process.Start(start)!;
        process.StandardInput.Write("""
            import numpy as np, json
            rng = np.random.default_rng(3)
            np.save("part.npy", rng.standard_normal((300, 8)).astype(np.float32))
            with open("part.csv", "w") as f:
                f.write("id,label\n")
                for i in range(300):
                    f.write(("oops,c1\n" if i == 7 else "%d,c%d\n" % (1000 + i, i % 4)))
            json.dump({"parts": [{"name": "part", "vectors": "part.npy", "metadata": "part.csv"}]}, open("manifest.json", "w"))
            """);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return Path.Combine(Directory, "manifest.json");
    }
}
