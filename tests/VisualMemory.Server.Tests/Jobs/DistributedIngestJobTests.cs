using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Routing;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;
using Xunit.Abstractions;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

using static VisualMemory.Server.Tests.Jobs.JobTestCalls;

namespace VisualMemory.Server.Tests.Jobs;

/// <summary>
/// Bulk-ingest jobs into a memory distributed over two real nodes (PostgreSQL control plane, one shared
/// object directory, two replicas of each of 4 shards): both nodes claim parts, each chunk reaches every
/// replica of its shards, counts are exact (also after SIGKILL of a worker mid-job), a re-run adds nothing.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class DistributedIngestJobTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int D = 8;
    private const int Shards = 4;
    private readonly string _root = Directory.CreateTempSubdirectory("vm-dist-ingest-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_job_through_one_node_spreads_its_parts_over_both_and_loads_every_replica_exactly_once()
    {
        var manifest = WriteDataset(parts: 4, rowsPerPart: 300);
        var (nodes, ports) = await StartClusterAsync(quorum: 0);
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        try
        {
            var n1 = nodes["n1"].Client;
            var n2 = nodes["n2"].Client;
            await CreateMemoryAsync(n1, n2);

            var started = await PostAsync(n1, "/v1/jobs/ingest", new { memory = "m", manifest, minConfidence = 0.3, chunkRows = 25 }, HttpStatusCode.Accepted);
            // The job lives in the control plane: the other node shows it too.
            var job = await WaitForJobAsync(n2, (long)started["id"]!, TimeSpan.FromSeconds(180));
            output.WriteLine(job.ToJsonString());
            Assert.Equal("succeeded", (string?)job["state"]);
            var totals = job["totals"]!;
            // (row % 10) / 10 is the confidence: rows with row % 10 < 3 are filtered (90 per part); p0 rows 3 (NaN) and 5 (bad id) are bad.
            Assert.Equal(1200, (long)totals["rowsRead"]!);
            Assert.Equal(2, (long)totals["bad"]!);
            Assert.Equal(360, (long)totals["filtered"]!);
            Assert.Equal(838, (long)totals["added"]!);
            Assert.Equal(0, (long)totals["duplicates"]!);
            var workers = job["parts"]!.AsArray().Select(p => (string?)p!["node"]).ToList();
            output.WriteLine($"parts ran on: {string.Join(", ", workers)}");
            Assert.All(workers, w => Assert.Contains(w, new[] { "n1", "n2" }));
            Assert.Equal(2, workers.Distinct().Count());

            var expected = Expected(parts: 4, rowsPerPart: 300);
            var query = Enumerable.Range(0, D).Select(i => i + 1f).ToArray();
            foreach (var client in new[] { n1, n2 })
            {
                Assert.Equal(expected.Order(), (await SearchIdsAsync(client, query, 1000)).Order());
            }
            // Each node hosts a replica of every shard; each answers from its own copy with exactly its shard's rows.
            foreach (var (node, port) in ports)
            {
                for (var shard = 0; shard < Shards; shard++)
                {
                    var request = new ShardSearchRequest { Memory = "m", Dimension = D, K = 1000 };
                    request.Shards.Add(shard);
                    request.Queries.AddRange(Normalised(query));
                    var answer = ShardSearchResponse.Parser.ParseFrom(await PostProtobufAsync(h2, port, ShardSearchClient.Route, request));
                    var ids = answer.Queries[0].Ids.Order().ToList();
                    Assert.True(expected.Where(id => ShardRouter.ShardOf(id, Shards) == shard).Order().SequenceEqual(ids), $"{node} shard {shard}: {ids.Count} rows");
                }
            }

            // The same dataset again, through the other node: every usable row is a duplicate.
            var again = await PostAsync(n2, "/v1/jobs/ingest", new { memory = "m", manifest, minConfidence = 0.3, chunkRows = 50 }, HttpStatusCode.Accepted);
            var rerun = await WaitForJobAsync(n1, (long)again["id"]!, TimeSpan.FromSeconds(180));
            Assert.Equal("succeeded", (string?)rerun["state"]);
            Assert.Equal(0, (long)rerun["totals"]!["added"]!);
            Assert.Equal(838, (long)rerun["totals"]!["duplicates"]!);
            Assert.Equal(838, (await SearchIdsAsync(n1, query, 1000)).Count);

            // A distributed IVF-PQ memory: one quantizer trained on the job's sample, installed on every replica of every shard.
            Assert.Equal(HttpStatusCode.Created, (await n1.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pq", dimension = D, shards = Shards, replicas = 2, index = "IVF4,PQ2", nprobe = 4 })).StatusCode);
            await WaitReadyAsync(n2, "pq");
            var trained = await PostAsync(n2, "/v1/jobs/ingest", new { memory = "pq", manifest, minConfidence = 0.3, chunkRows = 50, trainSample = 500 }, HttpStatusCode.Accepted);
            var pqJob = await WaitForJobAsync(n1, (long)trained["id"]!, TimeSpan.FromSeconds(180));
            output.WriteLine(pqJob.ToJsonString());
            Assert.Equal("succeeded", (string?)pqJob["state"]);
            Assert.Equal(838, (long)pqJob["totals"]!["added"]!);
            Assert.True((bool)pqJob["quantizer"]!["quantizerSet"]!);
            Assert.Equal(500, (int)pqJob["quantizer"]!["quantizerTrainedOnRows"]!);
            foreach (var client in new[] { n1, n2 })
            {
                Assert.Equal(expected.Order(), (await SearchIdsAsync(client, query, 1000, "pq")).Order());
            }
            var quantizers = Directory.EnumerateFiles(Path.Combine(_root, "objects", "replicas", "pq"), "quantizer.faiss", SearchOption.AllDirectories).ToList();
            output.WriteLine(string.Join("\n", quantizers));
            Assert.Equal(Shards * 2, quantizers.Count);
            var first = File.ReadAllBytes(quantizers[0]);
            Assert.All(quantizers, q => Assert.Equal(first, File.ReadAllBytes(q)));

            // Refused up front: a dimension that does not match.
            Assert.Equal(HttpStatusCode.Created, (await n1.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "wide", dimension = 16, shards = 2, replicas = 2, index = "Flat" })).StatusCode);
            var refused = await n2.PostAsJsonAsync(new Uri("/v1/jobs/ingest", UriKind.Relative), new { memory = "wide", manifest });
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)refused.StatusCode} {text}");
            Assert.Contains("memory 'wide' holds 16", text, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task Sigkill_of_the_node_running_a_part_lets_the_other_node_finish_it_with_exact_counts()
    {
        var manifest = WriteDataset(parts: 4, rowsPerPart: 3000);
        // With two nodes and two replicas, the survivor alone must be able to acknowledge writes.
        var (nodes, _) = await StartClusterAsync(quorum: 1);
        try
        {
            var n1 = nodes["n1"].Client;
            var n2 = nodes["n2"].Client;
            await CreateMemoryAsync(n1, n2);
            var id = (long)(await PostAsync(n1, "/v1/jobs/ingest", new { memory = "m", manifest, chunkRows = 100 }, HttpStatusCode.Accepted))["id"]!;
            string victim;
            List<string> interrupted;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (true)
            {
                var job = JsonNode.Parse(await n1.GetStringAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative)))!;
                Assert.True((string?)job["state"] == "running", $"the job ended before it could be killed: {job.ToJsonString()}");
                var running = job["parts"]!.AsArray().Where(p => (string?)p!["state"] == "running" && (long)p["rowsRead"]! >= 500).Select(p => (string)p!["node"]!).ToList();
                if ((long)job["totals"]!["rowsRead"]! >= 2000 && running.Count > 0)
                {
                    victim = running.Contains("n2") ? "n2" : running[0];
                    interrupted = [.. job["parts"]!.AsArray().Where(p => (string?)p!["state"] == "running" && (string?)p["node"] == victim).Select(p => (string)p!["name"]!)];
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"the job made no progress: {job.ToJsonString()}");
                await Task.Delay(20);
            }
            nodes[victim].Kill();
            var survivorName = victim == "n1" ? "n2" : "n1";
            var survivor = nodes[survivorName].Client;
            output.WriteLine($"killed {victim} while it ran {string.Join(", ", interrupted)}");

            var done = await WaitForJobAsync(survivor, id, TimeSpan.FromSeconds(300));
            output.WriteLine(done.ToJsonString());
            Assert.Equal("succeeded", (string?)done["state"]);
            var totals = done["totals"]!;
            Assert.Equal(12_000, (long)totals["rowsRead"]!);
            Assert.Equal(2, (long)totals["bad"]!);
            Assert.Equal(0, (long)totals["filtered"]!);
            Assert.Equal(0, (long)totals["duplicates"]!);
            Assert.Equal(12_000 - 2, (long)totals["added"]!);
            // Every part that was running on the victim was finished by the survivor.
            Assert.All(done["parts"]!.AsArray(), p => Assert.Equal("done", (string?)p!["state"]));
            Assert.All(done["parts"]!.AsArray().Where(p => interrupted.Contains((string)p!["name"]!)), p => Assert.Equal(survivorName, (string?)p!["node"]));

            // Every row once, through the survivor.
            var expected = Expected(parts: 4, rowsPerPart: 3000, minConfidence: 0);
            Assert.Equal(expected, (await SearchIdsAsync(survivor, Enumerable.Range(0, D).Select(i => i + 1f).ToArray(), 20_000)).Order());
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
    }

    private async Task<(Dictionary<string, ServerProcess> Nodes, Dictionary<string, int> Ports)> StartClusterAsync(int quorum)
    {
        var database = await postgres.CreateDatabaseAsync("ingest_" + Guid.NewGuid().ToString("N")[..8]);
        var objects = Path.Combine(_root, "objects");
        var ports = new Dictionary<string, int> { ["n1"] = FreePort(), ["n2"] = FreePort() };
        var nodes = new Dictionary<string, ServerProcess>();
        try
        {
            foreach (var name in ports.Keys)
            {
                nodes[name] = await ServerProcess.StartAsync(Path.Combine(_root, name),
                [
                    $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:InternalUrl=http://127.0.0.1:{ports[name]}",
                    "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200", $"--Cluster:WriteQuorum={quorum}", "--Storage:Kind=local",
                    $"--Storage:Directory={objects}", "--Ingest:PollMilliseconds=50", "--Ingest:PartLeaseSeconds=2", "--Api:MaxK=20000", "--Logging:LogLevel:Default=Warning",
                ], TimeSpan.FromSeconds(60));
            }
        }
        catch
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
            throw;
        }
        return (nodes, ports);
    }

    private static async Task CreateMemoryAsync(HttpClient n1, HttpClient n2)
    {
        Assert.Equal(HttpStatusCode.Created, (await n1.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, shards = Shards, replicas = 2, index = "Flat" })).StatusCode);
        await WaitReadyAsync(n2, "m");
    }

    // Every shard has a primary and two Ready replicas, as the other node sees it.
    private static async Task WaitReadyAsync(HttpClient client, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await client.GetAsync(new Uri($"/v1/memories/{name}", UriKind.Relative));
            var memory = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())! : new JsonObject();
            if (response.IsSuccessStatusCode && memory["shards"]!.AsArray().All(s => s!["primary"] is not null
                && s["replicas"]!.AsArray().Count(r => (string?)r!["state"] == "ready") == 2))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"never ready: {memory.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    // Parts alternate CSV (p0 with a NaN vector at row 3 and a bad id at row 5), JSONL and .npy columns; ids
    // p * n + row, labels "c{id % 5}", confidence (row % 10) / 10.
    private string WriteDataset(int parts, int rowsPerPart)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = _root };
        using var process = Process.Start(start)!;
        process.StandardInput.Write($$"""
            import numpy as np, json
            rng = np.random.default_rng(11)
            n, d, parts = {{rowsPerPart}}, {{D}}, {{parts}}
            listed = []
            for p in range(parts):
                v = rng.standard_normal((n, d)).astype(np.float32)
                ids = np.arange(p * n, (p + 1) * n)
                labels = ["c%d" % (i % 5) for i in ids]
                conf = (np.arange(n) % 10) / 10.0
                np.save("p%d.npy" % p, v if p != 0 else np.where(np.arange(n)[:, None] == 3, np.nan, v).astype(np.float32))
                if p % 3 == 0:
                    with open("p%d.csv" % p, "w") as f:
                        f.write("id,label,confidence,source\n")
                        for i in range(n):
                            if p == 0 and i == 5: f.write("oops,c1,0.5,x\n"); continue
                            f.write("%d,%s,%.1f,src%d\n" % (ids[i], labels[i], conf[i], p))
                    listed.append({"name": "p%d" % p, "vectors": "p%d.npy" % p, "metadata": "p%d.csv" % p})
                elif p % 3 == 1:
                    with open("p%d.jsonl" % p, "w") as f:
                        for i in range(n):
                            f.write(json.dumps({"id": int(ids[i]), "label": labels[i], "confidence": float(conf[i])}) + "\n")
                    listed.append({"name": "p%d" % p, "vectors": "p%d.npy" % p, "metadata": "p%d.jsonl" % p})
                else:
                    np.save("p%d-ids.npy" % p, ids.astype(np.int64)); np.save("p%d-labels.npy" % p, np.array(labels)); np.save("p%d-conf.npy" % p, conf.astype(np.float32))
                    listed.append({"name": "p%d" % p, "vectors": "p%d.npy" % p, "ids": "p%d-ids.npy" % p, "labels": "p%d-labels.npy" % p, "confidence": "p%d-conf.npy" % p})
            json.dump({"parts": listed}, open("manifest.json", "w"))
            """);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return Path.Combine(_root, "manifest.json");
    }

    // The ids a job keeps: confidence at least minConfidence, without p0's two bad rows.
    private static List<long> Expected(int parts, int rowsPerPart, double minConfidence = 0.3) =>
        [.. Enumerable.Range(0, parts * rowsPerPart).Where(i => (i % rowsPerPart % 10) / 10.0 >= minConfidence - 1e-9 && i != 3 && i != 5).Select(i => (long)i)];

    private static async Task<List<long>> SearchIdsAsync(HttpClient client, float[] query, int k, string memory = "m")
    {
        var response = await client.PostAsJsonAsync(new Uri($"/v1/memories/{memory}/search", UriKind.Relative), new { vector = query, k });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonNode.Parse(text)!["neighbors"]!.AsArray().Select(n => (long)n!["id"]!)];
    }

    private static async Task<byte[]> PostProtobufAsync(HttpClient h2, int port, string route, IMessage message)
    {
        using var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(ShardSearchClient.MediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}{route}"))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        // Internal routes take only callers that hold the cluster secret the test nodes share.
        request.Headers.Add(ClusterAuthentication.Header, ServerProcess.ClusterSecret);
        using var response = await h2.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return body;
    }
}
