using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using VisualMemory.TestSupport;

namespace VisualMemory.Deploy.Tests;

/// <summary>
/// Traces across processes: a coordinator and a shard host (PostgreSQL control plane, a shared object directory),
/// both exporting OTLP over HTTP/protobuf to an in-test receiver. A classify through the coordinator yields spans
/// from both processes in one trace, the shard host's search span descending from the coordinator's fan-out span,
/// which descends from its classify span: the internal h2c call carried <c>traceparent</c>.
/// </summary>
public sealed class TracingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-tracing-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task A_classify_is_one_trace_from_the_coordinator_through_the_shard_host()
    {
        using var receiver = new OtlpReceiver();
        var database = await postgres.CreateDatabaseAsync("trace_" + Guid.NewGuid().ToString("N")[..8]);
        var objects = Path.Combine(_root, "objects");
        Task<ServerProcess> Start(string name, string roles) => ServerProcess.StartAsync(Path.Combine(_root, name),
        [
            $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:Roles={roles}",
            $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}", "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200",
            $"--Storage:Directory={objects}", $"--Telemetry:OtlpEndpoint={receiver.Endpoint}", "--Telemetry:BatchDelayMilliseconds=200",
            "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        using var host = await Start("host", "ShardHost");
        using var coordinator = await Start("coord", "Coordinator");
        var client = coordinator.Client;

        const int D = 8;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, shards = 2, replicas = 1 })).StatusCode);
        await Until(async () => JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!["shards"]!.AsArray()
            .All(shard => shard!["primary"] is not null));
        var random = new Random(5);
        var items = Enumerable.Range(0, 40).Select(i => new { id = (long)i, label = $"c{i % 3}", vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray() }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items })).StatusCode);
        using (var classify = await client.PostAsJsonAsync(new Uri("/v1/memories/m/classify", UriKind.Relative), new { vector = items[0].vector, k = 5 }))
        {
            Assert.True(classify.StatusCode == HttpStatusCode.OK, await classify.Content.ReadAsStringAsync());
        }

        // Spans arrive in batches (every 200 ms here): wait for the shard host's search span and the root of the classify's trace.
        ReceivedSpan? root = null;
        List<ReceivedSpan> trace = [];
        await Until(() =>
        {
            var spans = receiver.Spans;
            root = spans.FirstOrDefault(s => s.Node == "coord" && s.Name == "classify");
            trace = root is null ? [] : [.. spans.Where(s => s.TraceId == root.TraceId)];
            // The request spans end after the response is written, so they may come in a later batch than the rest.
            return Task.FromResult(trace.Any(s => s.Node == "host" && s.Name == "internal shard-search") && trace.Any(s => s.ParentSpanId.Length == 0));
        }, () => $"spans received: {string.Join(", ", receiver.Spans.Select(s => $"{s.Node}/{s.Name} {s.TraceId[..6]} {s.SpanId[..4]}<-{(s.ParentSpanId.Length > 0 ? s.ParentSpanId[..4] : "")}"))}");

        Assert.Equal(["coord", "host"], trace.Select(s => s.Node).Distinct().Order(StringComparer.Ordinal));
        var byId = trace.ToDictionary(s => s.SpanId);
        var search = trace.First(s => s.Node == "host" && s.Name == "internal shard-search");
        // Up from the shard host's span: every parent is in the trace, through the coordinator's fan-out to classify.
        var chain = new List<ReceivedSpan> { search };
        while (chain[^1].ParentSpanId.Length > 0 && byId.TryGetValue(chain[^1].ParentSpanId, out var parent))
        {
            chain.Add(parent);
        }
        var names = string.Join(" <- ", chain.Select(s => $"{s.Node}/{s.Name}"));
        var fanout = chain.FindIndex(s => s.Node == "coord" && s.Name == "fanout shard-search");
        var classifySpan = chain.FindIndex(s => s.Node == "coord" && s.Name == "classify");
        Assert.True(fanout > 0 && classifySpan > fanout, names);
        // The chain ends at the coordinator's request span, the trace's root (the test's client sent no traceparent).
        Assert.Equal("", chain[^1].ParentSpanId);
        Assert.Equal("coord", chain[^1].Node);
    }

    [Fact]
    public async Task An_embedded_image_is_traced_through_decode_and_the_model_run()
    {
        using var receiver = new OtlpReceiver();
        using var node = await ServerProcess.StartAsync(Path.Combine(_root, "embed"),
        [
            "--Embedding:Models:demo:Path", RepositoryFiles.PathOf("models/demo/demo-model.onnx"),
            "--Embedding:Models:demo:Spec", RepositoryFiles.PathOf("models/demo/demo-model.spec.json"),
            $"--Telemetry:OtlpEndpoint={receiver.Endpoint}/v1/traces", "--Telemetry:BatchDelayMilliseconds=200", "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        var pixels = Enumerable.Range(0, 28 * 28).Select(i => (byte)(i * 7 % 256)).ToArray();
        using var image = new ByteArrayContent(VisualMemory.Datasets.PngWriter.Greyscale(pixels, 28, 28));
        image.Headers.ContentType = new("image/png");
        using (var response = await node.Client.PostAsync(new Uri("/v1/embed?model=demo", UriKind.Relative), image))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        List<ReceivedSpan> trace = [];
        await Until(() =>
        {
            var embed = receiver.Spans.FirstOrDefault(s => s.Name == "embed");
            trace = embed is null ? [] : [.. receiver.Spans.Where(s => s.TraceId == embed.TraceId)];
            return Task.FromResult(trace.Any(s => s.Name == "embed decode") && trace.Any(s => s.Name == "embed model-run") && trace.Any(s => s.ParentSpanId.Length == 0));
        }, () => $"spans received: {string.Join(", ", receiver.Spans.Select(s => s.Name))}");
        var embedSpan = trace.Single(s => s.Name == "embed");
        Assert.Equal(embedSpan.SpanId, trace.Single(s => s.Name == "embed decode").ParentSpanId);
        Assert.Equal(embedSpan.SpanId, trace.Single(s => s.Name == "embed model-run").ParentSpanId);
        // Under the request's server span (continued by ASP.NET Core), the trace's root.
        Assert.Equal("", trace.Single(s => s.SpanId == embedSpan.ParentSpanId).ParentSpanId);
    }

    private static async Task Until(Func<Task<bool>> condition, Func<string>? what = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting{(what is null ? "" : ": " + what())}");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
