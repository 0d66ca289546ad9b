using System.Net;
using System.Text.Json.Nodes;

namespace VisualMemory.Server.Tests;

public sealed class PruneRouteTests : IDisposable
{
    private const int D = 4;
    private const string M = "/v1/memories/m";
    private readonly ServerFixture _server = new();

    public PruneRouteTests()
    {
        _server.CreateMemory("m", D, shards: 3).GetAwaiter().GetResult();
        // Cluster "a" around e0 with two items labelled "b" at its very centre (98, 99), and a clean
        // "b" cluster around e1. Leave-one-out with k = 3, every "a" sample finds 98 and 99 first and
        // is outvoted, so both are blamed once per "a" sample (4 times each).
        _server.AddItems("m",
            (1, "a", [1, 0.1f, 0, 0]),
            (2, "a", [1, -0.1f, 0, 0]),
            (3, "a", [1, 0, 0.1f, 0]),
            (4, "a", [1, 0, -0.1f, 0]),
            (98, "b", [1, 0, 0, 0.01f]),
            (99, "b", [1, 0, 0, -0.01f]),
            (10, "b", [0, 1, 0, 0]),
            (11, "b", [0.1f, 1, 0, 0]),
            (12, "b", [-0.1f, 1, 0, 0]),
            (13, "b", [0, 1, 0.1f, 0])).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    private static double Gamma(int v) => v == 0 ? 1 : Math.Min(1, 1.75 / (1 + v));

    private Task<JsonNode> RunJob(int hardThreshold = 3) =>
        _server.PostOk($"{M}/prunes", new { k = 3, hardThreshold }, HttpStatusCode.Created);

    private Task<JsonNode> Classify(object body) => _server.PostOk($"{M}/classify", body);

    private async Task<long[]> SearchIds(float[] vector, int k = 20) =>
        [.. (await _server.PostOk($"{M}/search", new { vector, k }))["neighbors"]!.AsArray().Select(n => (long)n!["id"]!)];

    [Fact]
    public async Task A_job_returns_201_with_its_version_and_applies_nothing()
    {
        var before = await _server.Observe("m", D);
        var response = await _server.Post($"{M}/prunes", new { k = 3, hardThreshold = 3 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"{M}/prunes/1", response.Headers.Location?.OriginalString);
        var version = await ServerFixture.Json(response);
        Assert.Equal(1, (int?)version["version"]);
        Assert.Equal(3, (int?)version["k"]);
        Assert.Equal("rank", (string?)version["aggregation"]);
        Assert.Equal(3, (int?)version["hardThreshold"]);
        Assert.Equal(10, (long?)version["memorySize"]);
        Assert.True((long)version["misclassified"]! >= 4);
        Assert.Equal(2, (int?)version["hardPruned"]);
        Assert.True((int)version["blamed"]! >= 2);
        Assert.Equal(before, await _server.Observe("m", D));

        var second = await RunJob(hardThreshold: 1);
        Assert.Equal(2, (int?)second["version"]);
        var list = await _server.GetOk($"{M}/prunes");
        Assert.Equal([1, 2], list["versions"]!.AsArray().Select(v => (int)v!["version"]!));
        Assert.Null(list["applied"]);
        var one = await _server.GetOk($"{M}/prunes/2");
        Assert.Equal(second.ToJsonString(), one.ToJsonString());
    }

    [Fact]
    public async Task Offenders_are_worst_first_with_label_reliability_and_hard_flag()
    {
        await RunJob(hardThreshold: 3);
        var body = await _server.GetOk($"{M}/prunes/1/offenders");
        Assert.Equal(1, (int?)body["version"]);
        var offenders = body["offenders"]!.AsArray();
        Assert.Equal([98L, 99L], offenders.Take(2).Select(o => (long)o!["id"]!));
        Assert.All(offenders.Take(2), o =>
        {
            Assert.Equal("b", (string?)o!["label"]);
            Assert.Equal(4, (int?)o["count"]);
        });
        var keys = offenders.Select(o => ((int)o!["count"]!, (long)o["id"]!)).ToList();
        Assert.Equal(keys.OrderByDescending(k => k.Item1).ThenBy(k => k.Item2), keys);
        foreach (var o in offenders)
        {
            var count = (int)o!["count"]!;
            Assert.True(count > 0);
            Assert.Equal(Gamma(count), (double)o["reliability"]!, 6);
            Assert.Equal(count >= 3, (bool)o["hardPruned"]!);
        }
        Assert.Contains(offenders, o => !(bool)o!["hardPruned"]!);

        var limited = await _server.GetOk($"{M}/prunes/1/offenders?limit=1");
        Assert.Equal([98L], limited["offenders"]!.AsArray().Select(o => (long)o!["id"]!));
        Assert.Empty((await _server.GetOk($"{M}/prunes/1/offenders?limit=0"))["offenders"]!.AsArray());
    }

    [Fact]
    public async Task Hard_apply_removes_offenders_from_search_and_classify_until_rolled_back()
    {
        await RunJob();
        var query = new[] { 1f, 0, 0, 0 };
        Assert.Equal("b", (string?)(await Classify(new { vector = query, k = 3 }))["label"]);

        var applied = await _server.PostOk($"{M}/prunes/1/apply", new { mode = "hard" });
        Assert.Equal(1, (int?)applied["version"]);
        Assert.Equal("hard", (string?)applied["mode"]);
        var list = await _server.GetOk($"{M}/prunes");
        Assert.Equal("hard", (string?)list["applied"]!["mode"]);

        var ids = await SearchIds(query);
        Assert.DoesNotContain(98L, ids);
        Assert.DoesNotContain(99L, ids);
        Assert.Equal(8, ids.Length);
        Assert.Equal("a", (string?)(await Classify(new { vector = query, k = 3 }))["label"]);
        // A query may still ask for the unpruned memory.
        Assert.Equal("b", (string?)(await Classify(new { vector = query, k = 3, pruning = "none" }))["label"]);
        var item = await _server.GetOk($"{M}/items/98");
        Assert.True((bool)item["pruned"]!);
        Assert.Equal(Gamma(4), (double)item["reliability"]!, 6);
        Assert.False((bool)(await _server.GetOk($"{M}/items/10"))["pruned"]!);

        var rolledBack = await _server.PostOk($"{M}/prunes/rollback", new { });
        Assert.Null(rolledBack["applied"]);
        Assert.Null((await _server.GetOk($"{M}/prunes"))["applied"]);
        Assert.Contains(98L, await SearchIds(query));
        var restored = await _server.GetOk($"{M}/items/98");
        Assert.False((bool)restored["pruned"]!);
        Assert.Equal(1.0, (double)restored["reliability"]!);
        Assert.Equal("b", (string?)(await Classify(new { vector = query, k = 3 }))["label"]);
    }

    [Fact]
    public async Task Soft_apply_scales_each_blamed_neighbours_weight_by_its_reliability()
    {
        await RunJob();
        var offenders = (await _server.GetOk($"{M}/prunes/1/offenders"))["offenders"]!.AsArray()
            .ToDictionary(o => (long)o!["id"]!, o => (double)o!["reliability"]!);
        var applied = await _server.PostOk($"{M}/prunes/1/apply", new { });
        Assert.Equal("soft", (string?)applied["mode"]);

        var body = await Classify(new { vector = new[] { 1f, 0, 0, 0 }, k = 5, aggregation = "rank", explain = true });
        var neighbors = body["neighbors"]!.AsArray();
        Assert.Equal(5, neighbors.Count);
        // Soft pruning keeps the offenders in the result, down-weighted.
        Assert.Equal([98L, 99L], neighbors.Take(2).Select(n => (long)n!["id"]!));
        for (var rank = 0; rank < neighbors.Count; rank++)
        {
            var n = neighbors[rank]!;
            var expected = offenders.GetValueOrDefault((long)n["id"]!, 1.0);
            Assert.Equal(expected, (double)n["reliability"]!, 6);
            Assert.Equal(1.0 / (2 + rank) * expected, (double)n["weight"]!, 6);
        }
        Assert.True((double)neighbors[0]!["reliability"]! < 1);
        var scores = body["scores"]!.AsObject();
        Assert.Equal(neighbors.Where(n => (string?)n!["label"] == "b").Sum(n => (double)n!["weight"]!), (double)scores["b"]!, 6);

        // Hard pruning on a soft-applied version removes the offenders for this query only.
        var hard = await Classify(new { vector = new[] { 1f, 0, 0, 0 }, k = 5, explain = true, pruning = "hard" });
        Assert.DoesNotContain(hard["neighbors"]!.AsArray(), n => (long)n!["id"]! is 98 or 99);
        var none = await Classify(new { vector = new[] { 1f, 0, 0, 0 }, k = 5, explain = true, pruning = "none" });
        Assert.All(none["neighbors"]!.AsArray(), n => Assert.Equal(1.0, (double)n!["reliability"]!));
    }

    [Fact]
    public async Task Rollback_returns_to_the_previous_state_then_to_none_then_409()
    {
        await RunJob();
        await RunJob(hardThreshold: 1);
        await _server.PostOk($"{M}/prunes/1/apply", new { mode = "hard" });
        await _server.PostOk($"{M}/prunes/2/apply", new { mode = "soft" });
        var list = await _server.GetOk($"{M}/prunes");
        Assert.Equal(2, (int?)list["applied"]!["version"]);

        var back = await _server.PostOk($"{M}/prunes/rollback", new { });
        Assert.Equal(1, (int?)back["applied"]!["version"]);
        Assert.Equal("hard", (string?)back["applied"]!["mode"]);
        Assert.DoesNotContain(98L, await SearchIds([1, 0, 0, 0]));
        // Version 1 is in force again: item 1 (blamed fewer than 3 times) is not hard-pruned.
        Assert.False((bool)(await _server.GetOk($"{M}/items/1"))["pruned"]!);

        Assert.Null((await _server.PostOk($"{M}/prunes/rollback", new { }))["applied"]);
        var before = await _server.ObserveAll("m", D);
        var conflict = await _server.Post($"{M}/prunes/rollback", new { });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Items_added_after_an_apply_start_unpruned()
    {
        await RunJob();
        await _server.PostOk($"{M}/prunes/1/apply", new { mode = "hard" });
        await _server.AddItems("m", (50, "b", [1, 0, 0, 0.001f]));
        var item = await _server.GetOk($"{M}/items/50");
        Assert.False((bool)item["pruned"]!);
        Assert.Equal(1.0, (double)item["reliability"]!);
        Assert.Equal(50L, (await SearchIds([1, 0, 0, 0], 1))[0]);
    }

    public static TheoryData<string, string> InvalidJobs => new()
    {
        { """{"k":0}""", "k" },
        { """{"k":1001}""", "k" },
        { """{"hardThreshold":0}""", "hardThreshold" },
        { """{"softC":0}""", "softC" },
        { """{"softC":-1}""", "softC" },
        { """{"softC":"NaN"}""", "softC" },
        { """{"softD":0}""", "softD" },
        { """{"aggregation":"median"}""", "aggregation" },
        { """{"aggregation":"softmax","tau":0}""", "tau" },
    };

    [Theory]
    [MemberData(nameof(InvalidJobs))]
    public async Task Invalid_jobs_are_422_naming_the_field_and_change_nothing(string body, string field)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/prunes", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Theory]
    [InlineData("""{"k":3""")]
    [InlineData("""{"k":"three"}""")]
    [InlineData("")]
    public async Task Malformed_job_bodies_are_400_and_change_nothing(string body)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/prunes", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task A_job_on_an_empty_memory_is_409_and_on_an_unknown_memory_404()
    {
        await _server.CreateMemory("empty", D);
        var before = await _server.ObserveAll("empty", D);
        Assert.Equal(HttpStatusCode.Conflict, (await _server.Post("/v1/memories/empty/prunes", new { k = 3 })).StatusCode);
        Assert.Equal(before, await _server.ObserveAll("empty", D));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/prunes", new { k = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/nope/prunes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/nope/prunes/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/prunes/1/apply", new { mode = "hard" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/prunes/rollback", new { })).StatusCode);
    }

    [Fact]
    public async Task Unknown_and_non_numeric_versions_are_404_and_400()
    {
        await RunJob();
        var before = await _server.ObserveAll("m", D);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/prunes/7")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/prunes/7/offenders")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post($"{M}/prunes/7/apply", new { mode = "hard" })).StatusCode);
        foreach (var response in new[]
        {
            await _server.Client.GetAsync($"{M}/prunes/one"),
            await _server.Client.GetAsync($"{M}/prunes/-1/offenders"),
            await _server.Post($"{M}/prunes/one/apply", new { mode = "hard" }),
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await ServerFixture.Json(response))["errors"]!["version"]);
        }
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task A_negative_offender_limit_is_400()
    {
        await RunJob();
        var response = await _server.Client.GetAsync($"{M}/prunes/1/offenders?limit=-1");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["limit"]);
    }

    [Theory]
    [InlineData("""{"mode":"medium"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{"mode":"none"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("{\"mode\":\"hard\"", HttpStatusCode.BadRequest)]
    public async Task A_bad_apply_body_changes_nothing(string body, HttpStatusCode status)
    {
        await RunJob();
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/prunes/1/apply", body);
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.UnprocessableEntity)
        {
            Assert.NotNull((await ServerFixture.Json(response))["errors"]!["mode"]);
        }
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Classify_with_an_unknown_pruning_is_422()
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.Post($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, pruning = "partial" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["pruning"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }
}
