using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Storage;
using VisualMemory.TestSupport;

using static VisualMemory.Server.Tests.Jobs.JobTestCalls;

namespace VisualMemory.Server.Tests.Jobs;

/// <summary>
/// A dataset kept in object storage (<c>store://</c> references) ingested by a node whose store is a real S3
/// server (s3rver): the manifest and parts are streamed from the bucket, as a platform team's would be.
/// </summary>
public sealed class ObjectStoreIngestJobTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-s3-ingest-").FullName;
    private readonly string _prefix = "node-" + Guid.NewGuid().ToString("N")[..8] + "/";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void Python(string code) => JobTestCalls.Python(_directory, code);

    [Fact]
    public async Task A_dataset_in_the_nodes_object_store_is_ingested_with_exact_counts_and_a_missing_object_is_refused()
    {
        // Two parts of 6,000 × 64 float32 rows (1.5 MB each), metadata as CSV and as .npy columns; two bad rows.
        Python("""
            rng = np.random.default_rng(5)
            n, d = 6000, 64
            for p in range(2):
                v = rng.standard_normal((n, d)).astype(np.float32)
                ids = np.arange(p * n, (p + 1) * n)
                if p == 0:
                    v[10] = 0
                    with open("p0.csv", "w") as f:
                        f.write("id,label\n")
                        for i in range(n):
                            f.write("%d,%s\n" % (ids[i], "" if i == 20 else "c%d" % (ids[i] % 3)))
                else:
                    np.save("p1-ids.npy", ids.astype(np.int64)); np.save("p1-labels.npy", np.array(["c%d" % (i % 3) for i in ids]))
                np.save("p%d.npy" % p, v)
            json.dump({"parts": [
                {"name": "p0", "vectors": "p0.npy", "metadata": "p0.csv"},
                {"name": "p1", "vectors": "p1.npy", "ids": "p1-ids.npy", "labels": "p1-labels.npy"}]}, open("manifest.json", "w"))
            json.dump({"parts": [{"name": "gone", "vectors": "nothing-here.npy", "metadata": "p0.csv"}]}, open("missing.json", "w"))
            """);
        using (var objects = new S3ObjectStore(s3.Options(_prefix)))
        {
            foreach (var file in Directory.GetFiles(_directory))
            {
                await using var content = File.OpenRead(file);
                await objects.PutAsync("datasets/" + Path.GetFileName(file), content);
            }
        }

        using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "data"),
        [
            "--Storage:Kind=s3", $"--Storage:S3:ServiceUrl={s3.ServiceUrl}", $"--Storage:S3:Bucket={S3ServerFixture.Bucket}", $"--Storage:S3:Prefix={_prefix}",
            "--Ingest:PollMilliseconds=50", "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        var client = server.Client;
        await PostAsync(client, "/v1/memories", new { name = "m", dimension = 64, index = "Flat", shards = 2 }, HttpStatusCode.Created);

        // A part naming an object that is not there is refused before anything is recorded.
        var refused = await client.PostAsJsonAsync(new Uri("/v1/jobs/ingest", UriKind.Relative), new { memory = "m", manifest = "store://datasets/missing.json" });
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("part 'gone'", problem, StringComparison.Ordinal);
        Assert.Contains("nothing-here.npy", problem, StringComparison.Ordinal);

        var started = await PostAsync(client, "/v1/jobs/ingest", new { memory = "m", manifest = "store://datasets/manifest.json", chunkRows = 1000 }, HttpStatusCode.Accepted);
        var job = await WaitForJobAsync(client, (long)started["id"]!, TimeSpan.FromSeconds(90));
        Assert.True((string?)job["state"] == "succeeded", job.ToJsonString());
        var totals = job["totals"]!;
        Assert.Equal(12_000, (long)totals["rowsRead"]!);
        Assert.Equal(2, (long)totals["bad"]!);
        Assert.Equal(12_000 - 2, (long)totals["added"]!);
        Assert.Equal([10L, 20], job["parts"]![0]!["badRows"]!.AsArray().Select(b => (long)b!["row"]!));
        var memory = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!;
        Assert.Equal(12_000 - 2, (long)memory["count"]!);
        var item = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/m/items/6004", UriKind.Relative)))!;
        Assert.Equal("c1", (string?)item["label"]);
        Assert.Single(JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/jobs", UriKind.Relative)))!["jobs"]!.AsArray());
    }
}
