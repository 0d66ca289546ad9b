using System.Net;
using System.Text.Json.Nodes;

namespace VisualMemory.Server.Tests.Durability;

/// <summary>
/// What the API shows and does about storage: figures in the memory description, background
/// forgetting of unlearned items, drops that delete their objects, and damaged memories refused at
/// start while healthy ones are served.
/// </summary>
public sealed class StorageRouteTests : IDisposable
{
    private const int D = 8;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vm-storage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static (long, string, float[])[] Items(int count, int from = 0) =>
        [.. Enumerable.Range(from, count).Select(i => ((long)i, $"c{i % 3}", ServerFixture.Axis(D, i % D, 1 + i * 0.001f)))];

    [Fact]
    public async Task Description_reports_log_records_until_a_seal_stores_segments()
    {
        using var server = new ServerFixture(_directory);
        await server.CreateMemory("m", D, shards: 2);
        await server.AddItems("m", Items(30));
        var before = (await server.GetOk("/v1/memories/m"))["storage"]!;
        Assert.True((bool)before["durable"]!);
        Assert.True((long)before["logRecords"]! >= 2, before.ToJsonString());
        Assert.Equal(0, (int)before["storedSegments"]!);
        Assert.True((long)before["ramBytes"]! > 30 * D * sizeof(float));

        await server.PostOk("/v1/memories/m/seal", new { });
        var after = (await server.GetOk("/v1/memories/m"))["storage"]!;
        Assert.Equal(0, (long)after["logRecords"]!);
        Assert.Equal(2, (int)after["storedSegments"]!);
        Assert.True((long)after["storedBytes"]! > 30 * D * sizeof(float), after.ToJsonString());
        var shards = (await server.GetOk("/v1/memories/m"))["shardStats"]!.AsArray();
        Assert.All(shards, s => Assert.Equal(1, (int)s!["storedSegments"]!));
    }

    [Fact]
    public async Task Unlearned_items_are_forgotten_by_the_background_checkpoint()
    {
        using var server = new ServerFixture(_directory, new Dictionary<string, string> { ["Memory:CheckpointIntervalMilliseconds"] = "50" });
        await server.CreateMemory("m", D, shards: 2);
        await server.AddItems("m", Items(40));
        await server.PostOk("/v1/memories/m/unlearn", new { ids = new[] { 1L, 2L, 3L } });

        JsonNode? record = null;
        for (var attempt = 0; attempt < 200 && record?["forgottenAt"] is null; attempt++)
        {
            await Task.Delay(50);
            record = (await server.GetOk("/v1/memories/m/unlearning"))["records"]![0];
        }
        Assert.NotNull(record?["forgottenAt"]);
        Assert.True(DateTimeOffset.Parse((string)record!["forgottenAt"]!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse((string)record["at"]!, System.Globalization.CultureInfo.InvariantCulture));
        var storage = (await server.GetOk("/v1/memories/m"))["storage"]!;
        Assert.Equal(0, (int)storage["pendingForgets"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/v1/memories/m/items/2")).StatusCode);
        Assert.Equal(37, (long)(await server.GetOk("/v1/memories/m"))["count"]!);
    }

    [Fact]
    public async Task Dropping_a_memory_deletes_its_objects_and_logs_and_a_new_one_starts_empty()
    {
        using (var server = new ServerFixture(_directory))
        {
            await server.CreateMemory("gone", D, shards: 2);
            await server.CreateMemory("kept", D, shards: 2);
            await server.AddItems("gone", Items(20));
            await server.AddItems("kept", Items(20));
            await server.PostOk("/v1/memories/gone/seal", new { });
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_directory, "objects", "memories", "gone"), "*", SearchOption.AllDirectories));
            Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync("/v1/memories/gone")).StatusCode);
            Assert.False(Directory.Exists(Path.Combine(_directory, "objects", "memories", "gone")));
            Assert.False(Directory.Exists(Path.Combine(_directory, "wal", "gone")));
            await server.CreateMemory("gone", D, shards: 2);
            Assert.Equal(0, (long)(await server.GetOk("/v1/memories/gone"))["count"]!);
        }
        using var restarted = new ServerFixture(_directory);
        Assert.Equal(0, (long)(await restarted.GetOk("/v1/memories/gone"))["count"]!);
        Assert.Equal(20, (long)(await restarted.GetOk("/v1/memories/kept"))["count"]!);
    }

    [Fact]
    public async Task A_damaged_memory_is_refused_at_start_while_healthy_ones_are_served()
    {
        using (var server = new ServerFixture(_directory))
        {
            await server.CreateMemory("bad", D, shards: 1);
            await server.CreateMemory("good", D, shards: 1);
            await server.AddItems("bad", Items(20));
            await server.AddItems("good", Items(20));
        }
        // The graceful stop stored both memories as segments; flip one byte of bad's index.
        var index = Directory.EnumerateFiles(Path.Combine(_directory, "objects", "memories", "bad"), "index.faiss", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(index);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(index, bytes);

        using var restarted = new ServerFixture(_directory);
        var refused = await restarted.Client.GetAsync("/v1/memories/bad");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("index.faiss", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(20, (long)(await restarted.GetOk("/v1/memories/good"))["count"]!);
        // Its name stays taken, so a create cannot wipe what an operator must inspect.
        var create = await restarted.Post("/v1/memories", new { name = "bad", dimension = D });
        Assert.Equal(HttpStatusCode.Conflict, create.StatusCode);
        Assert.Contains("damaged", await create.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Nothing of the damaged memory was deleted: an operator can inspect or restore it.
        Assert.Equal(bytes, File.ReadAllBytes(index));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_directory, "wal", "bad"), "*.wal", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Retrain_reencodes_every_sealed_row_or_refuses_with_409()
    {
        using var server = new ServerFixture(_directory);
        await server.Post("/v1/memories", new { name = "few", dimension = D, index = "IVF64,Flat", shards = 1 });
        await server.AddItems("few", Items(10));
        Assert.Equal(HttpStatusCode.Conflict, (await server.Post("/v1/memories/few/retrain", new { })).StatusCode);
        Assert.Equal(10, (long)(await server.GetOk("/v1/memories/few"))["count"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Post("/v1/memories/nope/retrain", new { })).StatusCode);

        await server.Post("/v1/memories", new { name = "m", dimension = D, index = "IVF2,Flat", shards = 2 });
        await server.AddItems("m", Items(40));
        await server.PostOk("/v1/memories/m/seal", new { });
        var body = await server.PostOk("/v1/memories/m/retrain", new { });
        Assert.Equal(40, (long)body["reencoded"]!);
        Assert.Equal(40, (long)body["memory"]!["count"]!);
        Assert.Equal(0, (long)body["memory"]!["storage"]!["logRecords"]!);
    }
}
