using System.Net;
using VisualMemory.TestSupport;

namespace VisualMemory.Server.Tests.Durability;

/// <summary>
/// The server with <c>Storage:Kind=s3</c> against a real S3 server (s3rver): memories written by one
/// node are served by a node with a fresh, empty data directory and the same bucket.
/// </summary>
public sealed class S3StorageRouteTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>, IDisposable
{
    private const int D = 8;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-s3node-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private Dictionary<string, string> S3Settings(string prefix) => new()
    {
        ["Storage:Kind"] = "s3",
        ["Storage:S3:ServiceUrl"] = s3.ServiceUrl.ToString(),
        ["Storage:S3:Bucket"] = S3ServerFixture.Bucket,
        ["Storage:S3:Prefix"] = prefix,
    };

    [Fact]
    public async Task A_memory_stored_in_S3_is_served_by_a_node_with_a_fresh_data_directory()
    {
        var settings = S3Settings("node-" + Guid.NewGuid().ToString("N")[..8] + "/");
        // Random directions: no two items tie on similarity, so the top-k is the same whichever index answers.
        var random = new Random(11);
        var items = Enumerable.Range(0, 60).Select(i => ((long)i, $"c{i % 4}", Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())).ToArray();
        string before;
        using (var first = new ServerFixture(Path.Combine(_root, "first"), settings))
        {
            await first.Post("/v1/memories", new { name = "m", dimension = D, index = "IVF2,Flat", shards = 2 });
            foreach (var batch in items.Chunk(ServerFixture.MaxItems))
            {
                await first.AddItems("m", batch);
            }
            await first.PostOk("/v1/memories/m/unlearn", new { ids = new[] { 5L } });
            before = await first.Observe("m", D);
        }
        // Nothing of the memory is on the first node's disk but its (now empty) logs: the bulk is in S3.
        Assert.False(Directory.Exists(Path.Combine(_root, "first", "objects")));

        using var second = new ServerFixture(Path.Combine(_root, "second"), settings);
        Assert.Equal(before, await second.Observe("m", D));
        Assert.Equal(59, (long)(await second.GetOk("/v1/memories/m"))["count"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await second.Client.GetAsync("/v1/memories/m/items/5")).StatusCode);
        Assert.Equal("c2", (string?)(await second.GetOk("/v1/memories/m/items/6"))["label"]);
        var record = (await second.GetOk("/v1/memories/m/unlearning"))["records"]![0]!;
        Assert.NotNull((string?)record["forgottenAt"]);

        // The new node writes on: its log continues after what S3 holds, and a drop empties the prefix.
        await second.AddItems("m", (1000, "late", ServerFixture.Axis(D, 0, 2)));
        Assert.Equal("late", (string?)(await second.GetOk("/v1/memories/m/items/1000"))["label"]);
        Assert.Equal(HttpStatusCode.NoContent, (await second.Client.DeleteAsync("/v1/memories/m")).StatusCode);
        Assert.Empty((await second.GetOk("/v1/memories"))["memories"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await second.Client.GetAsync("/v1/memories/m")).StatusCode);
    }
}
