using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisualMemory.Core.Aggregation;
using VisualMemory.Datasets;
using VisualMemory.Engine;
using VisualMemory.Engine.Classification;
using VisualMemory.TestSupport;

// Classify through a cluster on loopback (one coordinator-only node in front of N shard-host-only
// nodes, all separate processes on one PostgreSQL and one shared local object directory) against the
// same classify on a LocalMemory in this process, with the same items, shards, index and concurrent
// callers. For each N the two sides alternate in rounds, so machine noise hits both.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : fallback;
var items = Option("items", 50_000);
var dimension = Option("dim", 64);
var shards = Option("shards", 8);
var clients = Option("clients", 8);
var seconds = Option("seconds", 10);
var warmupSeconds = Option("warmup", 2);
var rounds = Option("rounds", 2);
var k = Option("k", 10);
var nodeCounts = (options.TryGetValue("nodes", out var n) ? n : "1,2,4").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
// Flat: nothing to train, so every shard answers exactly and the two sides must agree on every label.
var index = options.TryGetValue("index", out var ix) ? ix : "Flat";
const string Name = "cluster-bench";
const string Aggregation = "softmax";
// The server's default Api:MaxItemsPerRequest.
const int BatchSize = 10_000;
const int QueryCount = 1000;

var settings = new MemorySettings();
var definition = new MemoryDefinition(Name, dimension, index, Shards: shards, NProbe: settings.DefaultNProbe);
if (definition.Problems() is { Count: > 0 } problems)
{
    throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")));
}
Console.WriteLine($"data: {items:N0} x {dimension} clustered vectors (100 clusters), index {index}, {shards} shards, replicas 1, " +
    $"classify k={k} {Aggregation}, {clients} closed-loop clients, {rounds} rounds of {warmupSeconds} s warm-up + {seconds} s per side, " +
    $"shard hosts {string.Join(", ", nodeCounts)}, {Environment.ProcessorCount} cores");
var (data, labels) = SyntheticClusters.Generate(items, dimension, clusters: 100, spread: 0.7, seed: 1);
var (queries, _) = SyntheticClusters.Generate(QueryCount, dimension, clusters: 100, spread: 0.7, seed: 2);
var ids = Enumerable.Range(0, items).Select(i => (long)i).ToArray();
// Bodies are serialised once, so the client's share of the 2 cores is only the HTTP exchange itself.
var classifyBodies = Enumerable.Range(0, QueryCount)
    .Select(q => JsonSerializer.SerializeToUtf8Bytes(new { vector = queries.Row(q).ToArray(), k, aggregation = Aggregation }))
    .ToArray();

using var local = new LocalMemory(definition, settings);
for (var start = 0; start < items; start += BatchSize)
{
    var count = Math.Min(BatchSize, items - start);
    await local.UpsertAsync(ids[start..(start + count)], labels[start..(start + count)], data.Data.AsMemory(start * dimension, count * dimension));
}
var classifyOptions = new ClassifyOptions(k, new AggregationOptions(AggregationKind.Softmax));
var localLabels = Enumerable.Range(0, QueryCount).Select(q => MemoryClassifier.Classify(local, queries.Row(q), classifyOptions).Label).ToArray();

var work = Directory.CreateTempSubdirectory("vm-cluster-bench-").FullName;
var postgres = new PostgresFixture();
var running = new List<ServerProcess>();
var results = new List<Row>();
Console.CancelKeyPress += (_, _) => StopNodes();
try
{
    await postgres.InitializeAsync();
    foreach (var hosts in nodeCounts)
    {
        var database = await postgres.CreateDatabaseAsync($"bench_{hosts}_{Guid.NewGuid().ToString("N")[..8]}");
        var objects = Path.Combine(work, $"objects-{hosts}");
        var watch = Stopwatch.StartNew();
        // Shard hosts first, so the controller (the coordinator, the only node that competes for the lease) sees them all when the memory is created.
        for (var h = 0; h < hosts; h++)
        {
            running.Add(await StartNodeAsync($"host{h}", "ShardHost", database, objects));
        }
        var coordinator = await StartNodeAsync("coordinator", "Coordinator", database, objects);
        running.Add(coordinator);
        Console.WriteLine($"{hosts} shard host(s) + coordinator started in {watch.Elapsed.TotalSeconds:F1} s (pids {string.Join(", ", running.Select(r => r.ProcessId))})");

        await PostOkAsync(coordinator.Client, "/v1/memories", new { name = Name, dimension, shards, replicas = 1, index });
        await UntilPrimariesReadyAsync(coordinator.Client);
        watch.Restart();
        for (var start = 0; start < items; start += BatchSize)
        {
            var count = Math.Min(BatchSize, items - start);
            var batch = Enumerable.Range(start, count).Select(i => new { id = ids[i], label = labels[i], vector = data.Row(i).ToArray() }).ToArray();
            await PostOkAsync(coordinator.Client, $"/v1/memories/{Name}/items", new { items = batch });
        }
        var ingestSeconds = watch.Elapsed.TotalSeconds;
        var placement = await UntilPrimariesReadyAsync(coordinator.Client);
        Console.WriteLine($"ingested {items:N0} through the coordinator in {ingestSeconds:F1} s ({items / ingestSeconds:N0} items/s); placement: {placement}");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{coordinator.Port.ToString(CultureInfo.InvariantCulture)}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        // Exact index, one replica per shard: every answer must match the in-process one.
        var mismatches = 0;
        for (var q = 0; q < 50; q++)
        {
            var answer = JsonNode.Parse(await ClassifyAsync(http, q))!;
            mismatches += (string?)answer["label"] == localLabels[q] ? 0 : 1;
        }
        if (mismatches > 0 && index == "Flat")
        {
            throw new InvalidOperationException($"{mismatches} of 50 cluster labels differ from the in-process ones on an exact index");
        }

        var row = new Row(hosts);
        for (var round = 0; round < rounds; round++)
        {
            // Which side goes first alternates, so neither always runs on a machine just warmed or cooled by the other.
            var sides = round % 2 == 0 ? new[] { true, false } : [false, true];
            foreach (var cluster in sides)
            {
                var measured = cluster ? await RunClusterLoadAsync(http) : RunLocalLoad();
                (cluster ? row.Cluster : row.Local).Add(measured);
                Console.WriteLine($"  {hosts} host(s), round {round + 1}, {(cluster ? "cluster   " : "in-process")}: {measured}");
            }
        }
        results.Add(row);
        StopNodes();
    }
}
finally
{
    StopNodes();
    await postgres.DisposeAsync();
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // best effort: a node killed mid-write may leave a file being removed under us
    }
}

Console.WriteLine();
Console.WriteLine($"| shard hosts | cluster classify/s | cluster p50 ms | cluster p99 ms | in-process classify/s | in-process p50 ms | in-process p99 ms | throughput cluster/in-process | p50 cluster/in-process |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var row in results)
{
    var c = Measurement.Combine(row.Cluster);
    var l = Measurement.Combine(row.Local);
    Console.WriteLine($"| {row.Hosts} | {c.Throughput:N0} | {c.P50:F2} | {c.P99:F2} | {l.Throughput:N0} | {l.P50:F3} | {l.P99:F3} | {c.Throughput / l.Throughput:F2} | {c.P50 / l.P50:F1} |");
}

async Task<Measurement> RunClusterLoadAsync(HttpClient http)
{
    var failures = 0;
    string? firstFailure = null;
    var measured = await MeasureAsync(async (client, q) =>
    {
        using var content = new ByteArrayContent(classifyBodies[q]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri($"/v1/memories/{Name}/classify", UriKind.Relative), content);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Interlocked.Increment(ref failures);
            firstFailure ??= $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }
        else
        {
            await response.Content.LoadIntoBufferAsync();
        }
    });
    return failures == 0 ? measured : throw new InvalidOperationException($"{failures} classify requests failed, first: {firstFailure}");
}

Measurement RunLocalLoad()
{
    // The call is synchronous, so each client keeps the dedicated thread MeasureAsync starts it on.
    return MeasureAsync((client, q) =>
    {
        MemoryClassifier.Classify(local, queries.Row(q), classifyOptions);
        return Task.CompletedTask;
    }).GetAwaiter().GetResult();
}

// Closed loop: each of the clients sends its next query as soon as the last one is answered. Only
// calls that start after the warm-up and end before the window closes are counted.
async Task<Measurement> MeasureAsync(Func<int, int, Task> call)
{
    var clock = Stopwatch.StartNew();
    var from = TimeSpan.FromSeconds(warmupSeconds).Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
    var to = from + (seconds * Stopwatch.Frequency);
    var latencies = new List<double>[clients];
    var workers = new Task[clients];
    for (var c = 0; c < clients; c++)
    {
        var client = c;
        latencies[client] = [];
        workers[client] = Task.Factory.StartNew(async () =>
        {
            var q = client * 97;
            while (true)
            {
                var begin = clock.ElapsedTicks;
                if (begin >= to)
                {
                    return;
                }
                await call(client, q++ % QueryCount);
                var end = clock.ElapsedTicks;
                if (begin >= from && end <= to)
                {
                    latencies[client].Add((end - begin) * 1000.0 / Stopwatch.Frequency);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }
    await Task.WhenAll(workers);
    var all = latencies.SelectMany(l => l).ToArray();
    Array.Sort(all);
    return new Measurement(all.Length / (double)seconds, Percentile(all, 0.50), Percentile(all, 0.99), all.Length);
}

async Task<string> ClassifyAsync(HttpClient http, int q)
{
    using var content = new ByteArrayContent(classifyBodies[q]);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    using var response = await http.PostAsync(new Uri($"/v1/memories/{Name}/classify", UriKind.Relative), content);
    var text = await response.Content.ReadAsStringAsync();
    return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"classify: {(int)response.StatusCode} {text}");
}

async Task<ServerProcess> StartNodeAsync(string name, string roles, string database, string objects) =>
    await ServerProcess.StartAsync(Path.Combine(work, $"{Path.GetFileName(objects)}-{name}"),
    [
        $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:Roles={roles}",
        $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}",
        // Short heartbeat: placement and Ready reports arrive within a second instead of several.
        "--Cluster:HeartbeatMilliseconds=500", "--Cluster:LeaseSeconds=5",
        "--Storage:Kind=local", $"--Storage:Directory={objects}",
        "--Logging:LogLevel:Default=Warning",
    ], TimeSpan.FromSeconds(60));

void StopNodes()
{
    foreach (var node in running)
    {
        // Dispose kills the node by its process id if it still runs.
        node.Dispose();
    }
    running.Clear();
}

// Waits until every shard has a primary whose replica is Ready; returns "node: shards" for the log.
async Task<string> UntilPrimariesReadyAsync(HttpClient client)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
    while (true)
    {
        var memory = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/memories/{Name}", UriKind.Relative)))!;
        var primaries = memory["shards"]!.AsArray()
            .Select(s => (Shard: (int)s!["shard"]!, Primary: (string?)s["primary"],
                Ready: s["replicas"]!.AsArray().Any(r => (string?)r!["node"] == (string?)s["primary"] && (string?)r["state"] == "ready")))
            .ToList();
        if (primaries.Count == shards && primaries.All(p => p.Primary is not null && p.Ready))
        {
            return string.Join("; ", primaries.GroupBy(p => p.Primary).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {string.Join(",", g.Select(p => p.Shard))}"));
        }
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"not every shard has a Ready primary after 120 s: {memory["shards"]!.ToJsonString()}");
        }
        await Task.Delay(200);
    }
}

static async Task PostOkAsync(HttpClient client, string path, object body)
{
    using var response = await client.PostAsync(new Uri(path, UriKind.Relative), JsonContent(body));
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
    }
}

static ByteArrayContent JsonContent(object body)
{
    var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    return content;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

internal sealed record Measurement(double Throughput, double P50, double P99, int Calls)
{
    // Rounds pooled by averaging: each round has the same length, so this is the whole run's rate; percentiles are the rounds' mean.
    public static Measurement Combine(IReadOnlyList<Measurement> rounds) => new(
        rounds.Average(r => r.Throughput), rounds.Average(r => r.P50), rounds.Average(r => r.P99), rounds.Sum(r => r.Calls));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Throughput:N0} classify/s, p50 {P50:F3} ms, p99 {P99:F3} ms ({Calls:N0} calls)");
}

internal sealed record Row(int Hosts)
{
    public List<Measurement> Cluster { get; } = [];

    public List<Measurement> Local { get; } = [];
}
