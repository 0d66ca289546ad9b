using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class InfluenceAuditRouteTests : IDisposable
{
    private const int D = 4;
    private const string M = "/v1/memories/m";
    private readonly ServerFixture _server = new();

    public InfluenceAuditRouteTests()
    {
        _server.CreateMemory("m", D, shards: 2).GetAwaiter().GetResult();
        // Query [1, 0.1, 0, 0] (truly "a") has item 1 as its only voter at k = 1; without it item 2 ("b")
        // would decide. Item 9 sits on another axis and never votes.
        _server.AddItems("m",
            (1, "a", [1, 0, 0, 0]),
            (2, "b", [1, 0.5f, 0, 0]),
            (3, "a", [0, 1, 0, 0]),
            (9, "c", [0, 0, 0, 1])).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task The_decisive_item_is_listed_and_a_far_away_one_is_not()
    {
        var body = await _server.PostOk($"{M}/audit/influence", new { vectors = new[] { new[] { 1f, 0.1f, 0, 0 } }, labels = new[] { "a" }, k = 1 });
        Assert.Equal(1, (int?)body["queries"]);
        Assert.Equal(4, (long?)body["memorySize"]);
        Assert.Equal(1, (int?)body["nonPrivate"]);
        Assert.Equal(0.25, (double)body["nonPrivateFraction"]!, 9);
        var influential = body["influential"]!.AsArray();
        var decisive = Assert.Single(influential)!;
        Assert.Equal(1, (long?)decisive["id"]);
        Assert.Equal("a", (string?)decisive["label"]);
        Assert.Equal(1, (int?)decisive["changedPredictions"]);
        Assert.Equal(1, (int?)decisive["correctToWrong"]);
        Assert.Equal(0, (int?)decisive["wrongToCorrect"]);
        Assert.DoesNotContain(influential, i => (long)i!["id"]! == 9);
    }

    [Fact]
    public async Task A_wrong_prediction_that_a_removal_fixes_counts_as_wrong_to_correct()
    {
        // Truly "b": item 1 ("a") wins at k = 1; without it item 2 ("b") wins.
        var body = await _server.PostOk($"{M}/audit/influence", new
        {
            vectors = new[] { new[] { 1f, 0.1f, 0, 0 }, new[] { 0f, 0, 0.1f, 1 } },
            labels = new[] { "b", "c" },
            k = 1,
        });
        Assert.Equal(2, (int?)body["queries"]);
        var item = Assert.Single(body["influential"]!.AsArray(), i => (long)i!["id"]! == 1)!;
        Assert.Equal(1, (int?)item["wrongToCorrect"]);
        Assert.Equal(0, (int?)item["correctToWrong"]);
        // Item 9 decides the second query; removing it hands the vote to another class.
        Assert.Contains(body["influential"]!.AsArray(), i => (long)i!["id"]! == 9 && (int)i!["correctToWrong"]! == 1);
        var limited = await _server.PostOk($"{M}/audit/influence", new
        {
            vectors = new[] { new[] { 1f, 0.1f, 0, 0 }, new[] { 0f, 0, 0.1f, 1 } },
            labels = new[] { "b", "c" },
            k = 1,
            limit = 1,
        });
        Assert.Single(limited["influential"]!.AsArray());
        Assert.Equal(2, (int?)limited["nonPrivate"]);
    }

    public static TheoryData<string, string> InvalidAudits => new()
    {
        { """{"vectors":[[1,0,0,0],[0,1,0,0]],"labels":["a"]}""", "labels" },
        { """{"vectors":[[1,0,0,0]]}""", "labels" },
        { """{"vectors":[],"labels":[]}""", "vectors" },
        { """{"labels":["a"]}""", "vectors" },
        { """{"vectors":[[1,0,0]],"labels":["a"]}""", "vectors[0]" },
        { """{"vectors":[[1,0,0,0]],"labels":["a"],"k":0}""", "k" },
        { """{"vectors":[[1,0,0,0]],"labels":["a"],"aggregation":"mode"}""", "aggregation" },
        { """{"vectors":[[1,0,0,0]],"labels":["a"],"limit":-1}""", "limit" },
    };

    [Theory]
    [MemberData(nameof(InvalidAudits))]
    public async Task Invalid_audits_are_422_naming_the_field(string body, string field)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/audit/influence", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task More_than_eight_vectors_is_413()
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.Post($"{M}/audit/influence", new
        {
            vectors = Enumerable.Range(0, 9).Select(_ => new[] { 1f, 0, 0, 0 }),
            labels = Enumerable.Range(0, 9).Select(_ => "a"),
        });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Auditing_an_empty_memory_is_409_and_an_unknown_one_404()
    {
        await _server.CreateMemory("empty", D);
        var body = new { vectors = new[] { new[] { 1f, 0, 0, 0 } }, labels = new[] { "a" } };
        Assert.Equal(HttpStatusCode.Conflict, (await _server.Post("/v1/memories/empty/audit/influence", body)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/audit/influence", body)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.PostRaw($"{M}/audit/influence", """{"vectors":[[1,0,0,0]""")).StatusCode);
    }

    [Fact]
    public async Task The_audit_works_with_k_as_large_as_the_memory_while_a_hard_prune_is_applied()
    {
        // Items 98 and 99 are mislabelled "b" inside the "a" cluster and get hard-pruned; the audit then
        // sees fewer searchable items than the memory counts.
        await _server.AddItems("m", (4, "a", [1, 0, 0.1f, 0]), (5, "a", [1, 0, -0.1f, 0]), (98, "b", [1, 0, 0, 0.01f]), (99, "b", [1, 0, 0, -0.01f]));
        var version = await _server.PostOk($"{M}/prunes", new { k = 3, hardThreshold = 2 }, HttpStatusCode.Created);
        var hardPruned = (int)version["hardPruned"]!;
        Assert.InRange(hardPruned, 2, 7);
        await _server.PostOk($"{M}/prunes/1/apply", new { mode = "hard" });
        var body = await _server.PostOk($"{M}/audit/influence", new { vectors = new[] { new[] { 1f, 0.1f, 0, 0 } }, labels = new[] { "a" }, k = 20 });
        Assert.Equal(1, (int?)body["queries"]);
        Assert.True((bool)(await _server.GetOk($"{M}/items/98"))["pruned"]!);
        Assert.True((bool)(await _server.GetOk($"{M}/items/99"))["pruned"]!);
        Assert.Equal(8 - hardPruned, (long?)body["memorySize"]);
        Assert.DoesNotContain(body["influential"]!.AsArray(), i => (long)i!["id"]! is 98 or 99);
    }

    [Fact]
    public async Task An_ivf_memory_that_returns_short_lists_is_refused_not_half_audited()
    {
        // Four IVF lists, one probed: a query near one axis sees only that list's items, fewer than k + 1.
        var response = await _server.Post("/v1/memories", new { name = "ivf", dimension = D, index = "IVF4,Flat", shards = 1, nprobe = 1 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var items = Enumerable.Range(0, 200).Select(i =>
        {
            var v = ServerFixture.Axis(D, i % D);
            v[(i + 1) % D] = 0.01f * (i / D);
            return (Id: (long)i, Label: $"l{i % D}", Vector: v);
        }).ToArray();
        foreach (var chunk in items.Chunk(ServerFixture.MaxItems))
        {
            await _server.AddItems("ivf", chunk);
        }
        Assert.Equal(HttpStatusCode.OK, (await _server.Post("/v1/memories/ivf/seal", new { })).StatusCode);
        var refused = await _server.Post("/v1/memories/ivf/audit/influence", new { vectors = new[] { ServerFixture.Axis(D, 0) }, labels = new[] { "l0" }, k = 100 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("nprobe", (string?)(await ServerFixture.Json(refused))["detail"]);
    }
}
