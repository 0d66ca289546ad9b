using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class ItemRouteTests : IDisposable
{
    private const int D = 4;
    private readonly ServerFixture _server = new();

    public ItemRouteTests()
    {
        _server.CreateMemory("m", D).GetAwaiter().GetResult();
        _server.AddItems("m", (1, "cat", [1, 0, 0, 0]), (2, "dog", [0, 1, 0, 0]), (3, "cat", [1, 0.2f, 0, 0])).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Add_returns_the_count_and_items_become_searchable()
    {
        var response = await _server.Post("/v1/memories/m/items", new { items = new[] { new { id = 10L, label = "owl", vector = new[] { 0f, 0, 5, 0 } } } });
        Assert.Equal(1, (int?)(await ServerFixture.Json(response))["added"]);
        var hit = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 0f, 0, 1, 0 }, k = 1 }));
        Assert.Equal(10, (long?)hit["neighbors"]![0]!["id"]);
        Assert.Equal("owl", (string?)hit["neighbors"]![0]!["label"]);
        Assert.Equal(1.0, (double)hit["neighbors"]![0]!["similarity"]!, 5);
    }

    [Fact]
    public async Task Adding_an_existing_id_replaces_it()
    {
        await _server.AddItems("m", (2, "wolf", [0, 0, 0, 1]));
        var info = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories/m"));
        Assert.Equal(3, (int?)info["count"]);
        var item = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories/m/items/2"));
        Assert.Equal("wolf", (string?)item["label"]);
        var hit = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 0f, 0, 0, 1 }, k = 1 }));
        Assert.Equal(2, (long?)hit["neighbors"]![0]!["id"]);
    }

    [Fact]
    public async Task Ids_use_the_full_64_bit_range()
    {
        await _server.AddItems("m", (long.MaxValue, "max", [0, 0, 1, 1]), (long.MinValue, "min", [0, 0, 1, -1]));
        var hit = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 0f, 0, 1, 1 }, k = 1 }));
        Assert.Equal(long.MaxValue, (long?)hit["neighbors"]![0]!["id"]);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/v1/memories/m/items/{long.MinValue}")).StatusCode);
    }

    [Fact]
    public async Task Delete_is_204_then_404_and_the_item_is_never_returned_again()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync("/v1/memories/m/items/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync("/v1/memories/m/items/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/m/items/1")).StatusCode);
        var hits = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 1f, 0, 0, 0 }, k = 10 }));
        Assert.DoesNotContain(1L, hits["neighbors"]!.AsArray().Select(n => (long)n!["id"]!));
        Assert.Equal(2, hits["neighbors"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_non_numeric_id_is_400()
    {
        var before = await _server.Observe("m", D);
        var response = await _server.Client.DeleteAsync("/v1/memories/m/items/abc");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["id"]);
        Assert.Equal(before, await _server.Observe("m", D));
    }

    public static TheoryData<string, string> InvalidItems => new()
    {
        { """{"items":[{"id":9,"label":"x","vector":[1,0,0]}]}""", "items[0].vector" },
        { """{"items":[{"id":9,"label":"x","vector":[1,0,0,0]},{"id":8,"label":"y","vector":[1,"NaN",0,0]}]}""", "items[1].vector" },
        { """{"items":[{"id":9,"label":"x","vector":[1,"Infinity",0,0]}]}""", "items[0].vector" },
        { """{"items":[{"id":9,"label":"x","vector":[0,0,0,0]}]}""", "items[0].vector" },
        { """{"items":[{"id":9,"label":"x"}]}""", "items[0].vector" },
        { """{"items":[{"label":"x","vector":[1,0,0,0]}]}""", "items[0].id" },
        { """{"items":[{"id":9,"vector":[1,0,0,0]}]}""", "items[0].label" },
        { """{"items":[{"id":9,"label":"  ","vector":[1,0,0,0]}]}""", "items[0].label" },
        { """{"items":[null]}""", "items[0]" },
        { """{"items":[]}""", "items" },
        { """{}""", "items" },
    };

    [Theory]
    [MemberData(nameof(InvalidItems))]
    public async Task Invalid_items_are_422_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await _server.Observe("m", D);
        var response = await _server.PostRaw("/v1/memories/m/items", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.Observe("m", D));
    }

    [Theory]
    [InlineData("""{"items":[{"id":9,"label":"x","vector":[1,0,0,0]}""", "items[1]")]
    [InlineData("""{"items":[{"id":9,"label":"x","vector":[1,NaN,0,0]}]}""", "items[0].vector[1]")]
    [InlineData("""{"items":[{"id":"nine","label":"x","vector":[1,0,0,0]}]}""", "items[0].id")]
    [InlineData("""{"items":[{"id":99999999999999999999,"label":"x","vector":[1,0,0,0]}]}""", "items[0].id")]
    [InlineData("""{"items":[{"id":9,"label":"x","vector":"1,0,0,0"}]}""", "items[0].vector")]
    [InlineData("", "body")]
    public async Task Malformed_json_is_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await _server.Observe("m", D);
        var response = await _server.PostRaw("/v1/memories/m/items", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.Observe("m", D));
    }

    [Fact]
    public async Task Too_many_items_is_413_and_nothing_is_stored()
    {
        var before = await _server.Observe("m", D);
        var items = Enumerable.Range(100, ServerFixture.MaxItems + 1).Select(i => new { id = (long)i, label = "x", vector = new[] { 1f, 1, 1, 1 } });
        var response = await _server.Post("/v1/memories/m/items", new { items });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["items"]);
        Assert.Equal(before, await _server.Observe("m", D));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_body_is_413_with_or_without_content_length(bool announceLength)
    {
        var before = await _server.Observe("m", D);
        var huge = """{"items":[{"id":9,"label":"x","vector":[1,0,0,0]}],"padding":""" + "\"" + new string('x', (int)ServerFixture.MaxBodyBytes) + "\"}";
        HttpContent content = announceLength
            ? new StringContent(huge, System.Text.Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge)));
        if (!announceLength)
        {
            content.Headers.ContentType = new("application/json");
            content.Headers.ContentLength = null;
        }
        var response = await _server.Client.PostAsync("/v1/memories/m/items", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await _server.Observe("m", D));
    }
}
