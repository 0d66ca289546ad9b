using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class UnlearningRouteTests : IDisposable
{
    private const int D = 4;
    private const string M = "/v1/memories/m";
    private readonly ServerFixture _server = new();

    public UnlearningRouteTests()
    {
        _server.CreateMemory("m", D, shards: 3).GetAwaiter().GetResult();
        _server.PostOk($"{M}/items", new
        {
            items = new object[]
            {
                new { id = 1L, label = "cat", vector = new[] { 1f, 0, 0, 0 }, source = "web" },
                new { id = 2L, label = "cat", vector = new[] { 1f, 0.2f, 0, 0 }, source = "licensed" },
                new { id = 3L, label = "dog", vector = new[] { 0f, 1, 0, 0 }, source = "web" },
                new { id = 4L, label = "dog", vector = new[] { 0.2f, 1, 0, 0 } },
                new { id = 5L, label = "owl", vector = new[] { 0f, 0, 1, 0 }, source = "licensed" },
                new { id = 6L, label = "owl", vector = new[] { 0f, 0, 1, 0.2f } },
            },
        }).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    private async Task<long[]> AllIds()
    {
        var body = await _server.PostOk($"{M}/search/batch", new { vectors = Enumerable.Range(0, D).Select(a => ServerFixture.Axis(D, a)), k = 20 });
        return [.. body["results"]!.AsArray().SelectMany(r => r!["neighbors"]!.AsArray()).Select(n => (long)n!["id"]!).Distinct().Order()];
    }

    [Fact]
    public async Task Items_carry_their_source_reliability_and_pruning_state()
    {
        var item = await _server.GetOk($"{M}/items/1");
        Assert.Equal("cat", (string?)item["label"]);
        Assert.Equal("web", (string?)item["source"]);
        Assert.Equal(1.0, (double)item["reliability"]!);
        Assert.False((bool)item["pruned"]!);
        Assert.Null((await _server.GetOk($"{M}/items/4"))["source"]);
        var explained = await _server.PostOk($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, k = 2, explain = true });
        Assert.Equal(["web", "licensed"], explained["neighbors"]!.AsArray().Select(n => (string?)n!["source"]));
    }

    [Fact]
    public async Task Unlearning_by_ids_deletes_them_and_records_the_request()
    {
        var record = await _server.PostOk($"{M}/unlearn", new { ids = new[] { 1L, 3L, 77L } });
        Assert.Equal(1, (long?)record["sequence"]);
        Assert.Equal("ids", (string?)record["kind"]);
        Assert.Equal("1,3,77", (string?)record["selector"]);
        Assert.Equal(3, (long?)record["requested"]);
        Assert.Equal(2, (long?)record["deleted"]);
        Assert.Equal(new long[] { 2L, 4L, 5L, 6L }, await AllIds());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/items/1")).StatusCode);
        var classified = await _server.PostOk($"{M}/classify", new { vector = new[] { 0f, 1, 0, 0 }, k = 10, explain = true });
        Assert.DoesNotContain(classified["neighbors"]!.AsArray(), n => (long)n!["id"]! is 1 or 3);
        Assert.Equal(4, (int?)(await _server.GetOk(M))["count"]);
    }

    [Fact]
    public async Task Unlearning_by_source_deletes_every_item_with_that_source()
    {
        var record = await _server.PostOk($"{M}/unlearn", new { source = "licensed" });
        Assert.Equal("source", (string?)record["kind"]);
        Assert.Equal("licensed", (string?)record["selector"]);
        Assert.Equal(1, (long?)record["requested"]);
        Assert.Equal(2, (long?)record["deleted"]);
        Assert.Equal(new long[] { 1L, 3L, 4L, 6L }, await AllIds());
        var classified = await _server.PostOk($"{M}/classify", new { vector = new[] { 0f, 0, 1, 0 }, k = 1 });
        Assert.Equal("owl", (string?)classified["label"]);
        Assert.Equal(0, (long?)(await _server.PostOk($"{M}/unlearn", new { source = "nowhere" }))["deleted"]);
    }

    [Fact]
    public async Task Unlearning_by_label_deletes_the_whole_class()
    {
        var record = await _server.PostOk($"{M}/unlearn", new { label = "cat" });
        Assert.Equal("label", (string?)record["kind"]);
        Assert.Equal("cat", (string?)record["selector"]);
        Assert.Equal(2, (long?)record["deleted"]);
        Assert.Equal(new long[] { 3L, 4L, 5L, 6L }, await AllIds());
        var classified = await _server.PostOk($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, k = 10 });
        Assert.NotEqual("cat", (string?)classified["label"]);
        Assert.False(classified["scores"]!.AsObject().ContainsKey("cat"));
    }

    [Fact]
    public async Task The_log_lists_every_request_in_order_including_item_deletes()
    {
        await _server.PostOk($"{M}/unlearn", new { ids = new[] { 6L } });
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"{M}/items/2")).StatusCode);
        await _server.PostOk($"{M}/unlearn", new { source = "web" });
        await _server.PostOk($"{M}/unlearn", new { label = "owl" });
        var records = (await _server.GetOk($"{M}/unlearning"))["records"]!.AsArray();
        Assert.Equal([1L, 2L, 3L, 4L], records.Select(r => (long)r!["sequence"]!));
        Assert.Equal(["ids", "ids", "source", "label"], records.Select(r => (string?)r!["kind"]));
        Assert.Equal(["6", "2", "web", "owl"], records.Select(r => (string?)r!["selector"]));
        Assert.Equal([1L, 1L, 2L, 1L], records.Select(r => (long)r!["deleted"]!));
        var times = records.Select(r => DateTimeOffset.Parse((string)r!["at"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Equal(new long[] { 4L }, await AllIds());
    }

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { """{}""", "ids" },
        { """{"ids":[1],"source":"web"}""", "ids" },
        { """{"source":"web","label":"cat"}""", "ids" },
        { """{"ids":[]}""", "ids" },
        { """{"source":"  "}""", "source" },
        { """{"source":""}""", "source" },
        { """{"label":" "}""", "label" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Invalid_unlearn_requests_are_422_and_delete_and_record_nothing(string body, string field)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/unlearn", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Too_many_ids_is_413_and_deletes_nothing()
    {
        var before = await _server.ObserveAll("m", D);
        var ids = Enumerable.Range(1, ServerFixture.MaxItems + 1).Select(i => (long)i);
        var response = await _server.Post($"{M}/unlearn", new { ids });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["ids"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Theory]
    [InlineData("""{"ids":[1,"two"]}""")]
    [InlineData("""{"ids":[1]""")]
    [InlineData("")]
    public async Task Malformed_unlearn_bodies_are_400_and_change_nothing(string body)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/unlearn", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Unknown_memory_is_404_for_unlearning()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/unlearn", new { label = "cat" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/nope/unlearning")).StatusCode);
    }

    public static TheoryData<string> InvalidSources => new()
    {
        """{"items":[{"id":9,"label":"x","vector":[1,0,0,0],"source":"  "}]}""",
        """{"items":[{"id":9,"label":"x","vector":[1,0,0,0],"source":""}]}""",
        "{\"items\":[{\"id\":9,\"label\":\"x\",\"vector\":[1,0,0,0],\"source\":\"" + new string('s', 257) + "\"}]}",
    };

    [Theory]
    [MemberData(nameof(InvalidSources))]
    public async Task Items_with_a_blank_or_overlong_source_are_422_and_nothing_is_stored(string body)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/items", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["items[0].source"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task A_source_of_exactly_256_characters_is_accepted()
    {
        var source = new string('s', 256);
        await _server.PostOk($"{M}/items", new { items = new[] { new { id = 9L, label = "x", vector = new[] { 1f, 1, 1, 1 }, source } } });
        Assert.Equal(source, (string?)(await _server.GetOk($"{M}/items/9"))["source"]);
        Assert.Equal(1, (long?)(await _server.PostOk($"{M}/unlearn", new { source }))["deleted"]);
    }
}
