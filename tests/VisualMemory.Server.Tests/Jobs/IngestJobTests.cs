using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.TestSupport;

using static VisualMemory.Server.Tests.Jobs.JobTestCalls;

namespace VisualMemory.Server.Tests.Jobs;

/// <summary>Bulk ingest jobs on a real node process: counts, filters, bad rows, idempotence, resume after SIGKILL, refusals.</summary>
public sealed class IngestJobTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-ingest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<ServerProcess> StartAsync(params string[] settings) =>
        ServerProcess.StartAsync(Path.Combine(_directory, "data"),
            [.. settings, "--Ingest:PollMilliseconds=50", "--Ingest:PartLeaseSeconds=2", "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));

    private void Python(string code) => JobTestCalls.Python(_directory, code);

    private static async Task<long> CountAsync(HttpClient client, string memory) =>
        (long)JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/memories/{memory}", UriKind.Relative)))!["count"]!;

    // Three parts, one per metadata form: CSV with bad rows, JSONL, and .npy columns; labels "c0".."c4"; confidence i/N.
    private string WriteDataset(int rowsPerPart, int dimension = 8)
    {
        Python($$"""
            rng = np.random.default_rng(7)
            n, d = {{rowsPerPart}}, {{dimension}}
            for p in range(3):
                v = rng.standard_normal((n, d)).astype(np.float32 if p != 1 else np.float16)
                ids = np.arange(p * n, (p + 1) * n)
                labels = ["c%d" % (i % 5) for i in ids]
                conf = (np.arange(n) % 10) / 10.0
                if p == 0:
                    v[3] = np.nan
                    with open("p0.csv", "w") as f:
                        f.write("id,label,confidence,source\n")
                        for i in range(n):
                            if i == 5: f.write("oops,c1,0.5,x\n"); continue
                            f.write("%d,%s,%.1f,src%d\n" % (ids[i], labels[i], conf[i], p))
                elif p == 1:
                    with open("p1.jsonl", "w") as f:
                        for i in range(n):
                            f.write(json.dumps({"id": int(ids[i]), "label": labels[i], "confidence": float(conf[i])}) + "\n")
                else:
                    np.save("p2-ids.npy", ids.astype(np.int64)); np.save("p2-labels.npy", np.array(labels)); np.save("p2-conf.npy", conf.astype(np.float32))
                np.save("p%d.npy" % p, v)
            json.dump({"parts": [
                {"name": "p0", "vectors": "p0.npy", "metadata": "p0.csv"},
                {"name": "p1", "vectors": "p1.npy", "metadata": "p1.jsonl"},
                {"name": "p2", "vectors": "p2.npy", "ids": "p2-ids.npy", "labels": "p2-labels.npy", "confidence": "p2-conf.npy"}]},
                open("manifest.json", "w"))
            """);
        return Path.Combine(_directory, "manifest.json");
    }

    [Fact]
    public async Task A_job_loads_every_part_counts_bad_and_filtered_rows_and_a_rerun_adds_nothing_twice()
    {
        var manifest = WriteDataset(rowsPerPart: 500);
        using var server = await StartAsync();
        var client = server.Client;
        await PostAsync(client, "/v1/memories", new { name = "m", dimension = 8, index = "Flat", shards = 2 }, HttpStatusCode.Created);

        var started = await PostAsync(client, "/v1/jobs/ingest", new { memory = "m", manifest, minConfidence = 0.3, chunkRows = 128 }, HttpStatusCode.Accepted);
        var job = await WaitForJobAsync(client, (long)started["id"]!, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", (string?)job["state"]);
        var totals = job["totals"]!;
        // Confidence is (i % 10) / 10, so rows with i % 10 < 3 (150 per part) are filtered; p0 has 2 bad rows (row 3: a NaN vector, row 5: a bad id), neither filtered.
        Assert.Equal(1500, (long)totals["rowsRead"]!);
        Assert.Equal(2, (long)totals["bad"]!);
        Assert.Equal(450, (long)totals["filtered"]!);
        Assert.Equal(1500 - 2 - 450, (long)totals["added"]!);
        Assert.Equal(0, (long)totals["duplicates"]!);
        Assert.Equal(1500 - 2 - 450, await CountAsync(client, "m"));
        var p0 = job["parts"]![0]!;
        Assert.Equal([3L, 5], p0["badRows"]!.AsArray().Select(b => (long)b!["row"]!));
        Assert.Contains("NaN", (string?)p0["badRows"]![0]!["message"], StringComparison.Ordinal);
        Assert.Contains("oops", (string?)p0["badRows"]![1]!["message"], StringComparison.Ordinal);

        // A stored vector is found by its own query, with its label and source.
        var item = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/m/items/9", UriKind.Relative)))!;
        Assert.Equal("c4", (string?)item["label"]);
        Assert.Equal("src0", (string?)item["source"]);

        // The same dataset again: every usable row is a duplicate, nothing is added.
        var again = await PostAsync(client, "/v1/jobs/ingest", new { memory = "m", manifest, minConfidence = 0.3 }, HttpStatusCode.Accepted);
        var rerun = await WaitForJobAsync(client, (long)again["id"]!, TimeSpan.FromSeconds(60));
        Assert.Equal(0, (long)rerun["totals"]!["added"]!);
        Assert.Equal(1500 - 2 - 450, (long)rerun["totals"]!["duplicates"]!);
        Assert.Equal(1500 - 2 - 450, await CountAsync(client, "m"));
        var list = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/jobs", UriKind.Relative)))!;
        Assert.Equal([(long)again["id"]!, (long)started["id"]!], list["jobs"]!.AsArray().Select(j => (long)j!["id"]!));
    }

    [Fact]
    public async Task A_job_killed_with_sigkill_resumes_after_restart_with_exact_final_counts()
    {
        var manifest = WriteDataset(rowsPerPart: 40_000, dimension: 32);
        long id;
        using (var server = await StartAsync())
        {
            await PostAsync(server.Client, "/v1/memories", new { name = "m", dimension = 32, index = "Flat", shards = 4 }, HttpStatusCode.Created);
            id = (long)(await PostAsync(server.Client, "/v1/jobs/ingest", new { memory = "m", manifest, chunkRows = 1000 }, HttpStatusCode.Accepted))["id"]!;
            // Kill it mid-job: after some chunks are recorded, well before the end.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                var job = JsonNode.Parse(await server.Client.GetStringAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative)))!;
                var read = (long)job["totals"]!["rowsRead"]!;
                Assert.True((string?)job["state"] == "running", $"the job ended before it could be killed: {job.ToJsonString()}");
                if (read >= 20_000)
                {
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, "the job made no progress");
                await Task.Delay(20);
            }
            server.Kill();
        }
        using (var restarted = await StartAsync())
        {
            var job = await WaitForJobAsync(restarted.Client, id, TimeSpan.FromSeconds(120));
            Assert.Equal("succeeded", (string?)job["state"]);
            var totals = job["totals"]!;
            Assert.Equal(120_000, (long)totals["rowsRead"]!);
            Assert.Equal(2, (long)totals["bad"]!);
            Assert.Equal(0, (long)totals["filtered"]!);
            Assert.Equal(0, (long)totals["duplicates"]!);
            Assert.Equal(120_000 - 2, (long)totals["added"]!);
            Assert.Equal(120_000 - 2, await CountAsync(restarted.Client, "m"));
        }
    }

    [Fact]
    public async Task Bad_requests_are_refused_with_problem_details_and_start_nothing()
    {
        var manifest = WriteDataset(rowsPerPart: 20);
        Python("""
            json.dump({"parts": [{"name": "a", "vectors": "p0.npy", "metadata": "p0.csv"}, {"name": "b", "vectors": "missing.npy", "metadata": "p0.csv"}]}, open("missing.json", "w"))
            """);
        File.WriteAllText(Path.Combine(_directory, "broken.json"), "{ not json");
        using var server = await StartAsync();
        var client = server.Client;
        await PostAsync(client, "/v1/memories", new { name = "m", dimension = 8 }, HttpStatusCode.Created);
        await PostAsync(client, "/v1/memories", new { name = "wide", dimension = 16 }, HttpStatusCode.Created);
        var cases = new (object Body, string Expected)[]
        {
            (new { memory = "nope", manifest }, "no memory 'nope'"),
            (new { memory = "m" }, "manifest"),
            (new { memory = "m", manifest = Path.Combine(_directory, "absent.json") }, "absent.json"),
            (new { memory = "m", manifest = Path.Combine(_directory, "broken.json") }, "not a dataset manifest"),
            (new { memory = "m", manifest = Path.Combine(_directory, "missing.json") }, "part 'b'"),
            (new { memory = "wide", manifest }, "8-dimensional vectors; memory 'wide' holds 16"),
            (new { memory = "m", manifest, minConfidence = 2 }, "minConfidence"),
            (new { memory = "m", manifest, chunkRows = 0 }, "chunkRows"),
        };
        foreach (var (body, expected) in cases)
        {
            var response = await client.PostAsJsonAsync(new Uri("/v1/jobs/ingest", UriKind.Relative), body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode} {text}");
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/v1/jobs/99", UriKind.Relative))).StatusCode);
        Assert.Empty(JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/jobs", UriKind.Relative)))!["jobs"]!.AsArray());
        Assert.Equal(0, await CountAsync(client, "m"));
    }

    [Fact]
    public async Task An_ivf_pq_memory_gets_its_quantizer_trained_on_a_sample_of_the_first_parts()
    {
        var manifest = WriteDataset(rowsPerPart: 3000, dimension: 16);
        using var server = await StartAsync();
        var client = server.Client;
        await PostAsync(client, "/v1/memories", new { name = "pq", dimension = 16, index = "IVF16,PQ4np", shards = 2, nprobe = 16 }, HttpStatusCode.Created);
        var started = await PostAsync(client, "/v1/jobs/ingest", new { memory = "pq", manifest, trainSample = 2000, chunkRows = 1000 }, HttpStatusCode.Accepted);
        var job = await WaitForJobAsync(client, (long)started["id"]!, TimeSpan.FromSeconds(120));
        Assert.Equal("succeeded", (string?)job["state"]);
        Assert.Equal(2000, (int)job["quantizer"]!["quantizerTrainedOnRows"]!);
        Assert.Equal(9000 - 2, await CountAsync(client, "pq"));
        var memory = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/pq", UriKind.Relative)))!;
        Assert.True((long)memory["storage"]!["storedSegments"]! > 0, memory.ToJsonString());
        Assert.Equal(0, (long)memory["storage"]!["logRecords"]!);
    }
}
