using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using VisualMemory.Cluster.Coordination;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Labels;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;

using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The coordinator's fan-out over two real node processes that both hold the same memory: merged
/// answers equal one node's own search; a killed, refusing or silent replica is retried on the other
/// (per-shard timeout); a shard with no live replica is reported missing.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class ShardFanoutTests : IAsyncLifetime
{
    private const int D = 8;
    private const int Shards = 4;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-fanout-" + Guid.NewGuid().ToString("N"));
    private readonly List<(ServerProcess Server, Uri Internal)> _nodes = [];
    private readonly float[][] _queries;

    public ShardFanoutTests()
    {
        var random = new Random(21);
        _queries = [.. Enumerable.Range(0, 5).Select(_ => Normalised([.. Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f)]))];
    }

    public async Task InitializeAsync()
    {
        var random = new Random(8);
        var items = Enumerable.Range(0, 300).Select(i => new
        {
            id = (long)i * 7919,
            label = $"c{i % 6}",
            vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
        }).ToArray();
        foreach (var name in new[] { "a", "b" })
        {
            var port = FreePort();
            var server = await ServerProcess.StartAsync(Path.Combine(_root, name), [$"--Cluster:InternalUrl=http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));
            _nodes.Add((server, new Uri($"http://127.0.0.1:{port}")));
            Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, index = "Flat", shards = Shards })).StatusCode);
            foreach (var batch in items.Chunk(100))
            {
                Assert.Equal(HttpStatusCode.OK, (await server.Client.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items = batch })).StatusCode);
            }
        }
    }

    public Task DisposeAsync()
    {
        _nodes.ForEach(n => n.Server.Dispose());
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
        return Task.CompletedTask;
    }

    private Uri A => _nodes[0].Internal;

    private Uri B => _nodes[1].Internal;

    // Even shards prefer a, odd ones b: both nodes serve part of every query.
    private List<ShardReplicas> BothReplicas() =>
        [.. Enumerable.Range(0, Shards).Select(s => new ShardReplicas(s, s % 2 == 0 ? [A, B] : [B, A]))];

    private async Task<(long Id, string Label, float Similarity)[]> NodeSearch(float[] query)
    {
        var response = await _nodes[1].Server.Client.PostAsJsonAsync(new Uri("/v1/memories/m/search", UriKind.Relative), new { vector = query, k = 10 });
        return [.. JsonNode.Parse(await response.Content.ReadAsStringAsync())!["neighbors"]!.AsArray()
            .Select(n => ((long)n!["id"]!, (string)n["label"]!, (float)n["similarity"]!))];
    }

    private static async Task<((long Id, string Label, float Similarity)[][] Hits, FanoutResult Result)> Fanout(IReadOnlyList<ShardReplicas> placement, float[][] queries, TimeSpan? timeout = null)
    {
        using var client = new ShardSearchClient(TimeSpan.FromSeconds(30), ServerProcess.ClusterSecret);
        var fanout = new ShardFanout(client, timeout ?? TimeSpan.FromSeconds(10));
        var vocabulary = new LabelVocabulary();
        var result = await fanout.SearchAsync("m", D, [.. queries.SelectMany(q => q)], 10, 0, null, placement, vocabulary.GetOrAdd);
        return ([.. result.Neighbors.Select(r => r.Select(n => (n.Id, vocabulary[n.Label], n.Similarity)).ToArray())], result);
    }

    [Fact]
    public async Task Answers_equal_one_nodes_search_and_survive_a_killed_replica()
    {
        var (hits, result) = await Fanout(BothReplicas(), _queries);
        Assert.True(result.Complete);
        Assert.Equal(0, result.Retries);
        for (var q = 0; q < _queries.Length; q++)
        {
            AssertSame(await NodeSearch(_queries[q]), hits[q]);
        }

        Assert.Equal(ServerProcess.SigkillExitCode, _nodes[0].Server.Kill());
        (hits, result) = await Fanout(BothReplicas(), _queries);
        Assert.True(result.Complete);
        Assert.Equal(2, result.Retries);
        for (var q = 0; q < _queries.Length; q++)
        {
            AssertSame(await NodeSearch(_queries[q]), hits[q]);
        }

        // Shard 0 lives only on the dead node: reported missing, the rest still answers.
        List<ShardReplicas> single = [new(0, [A]), .. Enumerable.Range(1, Shards - 1).Select(s => new ShardReplicas(s, [B]))];
        (hits, result) = await Fanout(single, _queries);
        Assert.Equal([0], result.MissingShards);
        Assert.False(result.Complete);
        Assert.All(hits, h => Assert.Equal(10, h.Length));
    }

    [Fact]
    public async Task A_silent_replica_costs_one_per_shard_timeout_then_the_next_replica_answers()
    {
        // Accepts connections and never answers: only the timeout can end the call.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentUri = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        var refusing = new Uri($"http://127.0.0.1:{FreePort()}");
        List<ShardReplicas> placement = [.. Enumerable.Range(0, Shards).Select(s => new ShardReplicas(s, s % 2 == 0 ? [silentUri, B] : [refusing, B]))];
        // B answers once first, so the retry below is not its first (JIT-cold) search: under a loaded CI
        // machine that first answer alone could exceed the 500 ms per-shard timeout this test sets.
        await Fanout([.. Enumerable.Range(0, Shards).Select(s => new ShardReplicas(s, [B]))], _queries);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (hits, result) = await Fanout(placement, _queries, TimeSpan.FromMilliseconds(500));
        clock.Stop();
        Assert.True(result.Complete);
        Assert.Equal(Shards, result.Retries);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
        for (var q = 0; q < _queries.Length; q++)
        {
            AssertSame(await NodeSearch(_queries[q]), hits[q]);
        }
    }

    // Same ids and labels in the same order; similarities to float rounding, since the node normalises
    // the (already normalised) query once more on its public route.
    private static void AssertSame((long Id, string Label, float Similarity)[] expected, (long Id, string Label, float Similarity)[] actual)
    {
        Assert.Equal(expected.Select(e => (e.Id, e.Label)), actual.Select(a => (a.Id, a.Label)));
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Similarity, p.Second.Similarity, 1e-5f));
    }
}
