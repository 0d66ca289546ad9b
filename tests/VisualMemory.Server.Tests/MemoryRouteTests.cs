using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class MemoryRouteTests : IDisposable
{
    private readonly ServerFixture _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Create_returns_201_with_location_and_description()
    {
        var response = await _server.Post("/v1/memories", new { name = "shirts", dimension = 8, index = "IVF4,PQ4np" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/v1/memories/shirts", response.Headers.Location?.OriginalString);
        var body = await ServerFixture.Json(response);
        Assert.Equal("shirts", (string?)body["name"]);
        Assert.Equal(8, (int?)body["dimension"]);
        Assert.Equal(4, (int?)body["shards"]);
        Assert.Equal("cosine", (string?)body["metric"]);
        Assert.Equal(0, (int?)body["count"]);
    }

    [Fact]
    public async Task Get_list_and_drop_memories()
    {
        await _server.CreateMemory("a", 4);
        await _server.CreateMemory("b", 4, shards: 2);
        var one = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories/b"));
        Assert.Equal(2, (int?)one["shards"]);
        Assert.Equal(2, one["shardStats"]!.AsArray().Count);
        var list = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories"));
        Assert.Equal(["a", "b"], list["memories"]!.AsArray().Select(m => (string?)m!["name"]));
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync("/v1/memories/a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync("/v1/memories/a")).StatusCode);
    }

    [Fact]
    public async Task Unknown_memory_is_404_problem_on_every_route()
    {
        var responses = new[]
        {
            await _server.Client.GetAsync("/v1/memories/nope"),
            await _server.Client.GetAsync("/v1/memories/nope/labels"),
            await _server.Post("/v1/memories/nope/items", new { items = new[] { new { id = 1, label = "x", vector = new[] { 1f } } } }),
            await _server.Client.DeleteAsync("/v1/memories/nope/items/1"),
            await _server.Post("/v1/memories/nope/search", new { vector = new[] { 1f } }),
            await _server.Post("/v1/memories/nope/search/batch", new { vectors = new[] { new[] { 1f } } }),
            await _server.Post("/v1/memories/nope/classify", new { vector = new[] { 1f } }),
            await _server.Post("/v1/memories/nope/seal", new { }),
        };
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("nope", (string?)(await ServerFixture.Json(response))["detail"]);
        }
    }

    [Fact]
    public async Task Duplicate_name_is_409_and_the_existing_memory_is_untouched()
    {
        await _server.CreateMemory("m", 4);
        await _server.AddItems("m", (1, "x", [1, 0, 0, 0]));
        var response = await _server.Post("/v1/memories", new { name = "m", dimension = 9 });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var info = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories/m"));
        Assert.Equal(4, (int?)info["dimension"]);
        Assert.Equal(1, (int?)info["count"]);
    }

    [Theory]
    [InlineData("""{"dimension":4}""", "name")]
    [InlineData("""{"name":"m"}""", "dimension")]
    [InlineData("""{"name":"has space","dimension":4}""", "name")]
    [InlineData("""{"name":"m","dimension":0}""", "dimension")]
    [InlineData("""{"name":"m","dimension":70000}""", "dimension")]
    [InlineData("""{"name":"m","dimension":4,"shards":0}""", "shards")]
    [InlineData("""{"name":"m","dimension":4,"nprobe":0}""", "nprobe")]
    [InlineData("""{"name":"m","dimension":4,"index":"NoSuchIndex"}""", "index")]
    [InlineData("""{"name":"m","dimension":30,"index":"IVF16,PQ7"}""", "index")]
    public async Task Invalid_create_fields_are_422_naming_the_field_and_create_nothing(string body, string field)
    {
        var response = await _server.PostRaw("/v1/memories", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        var list = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories"));
        Assert.Empty(list["memories"]!.AsArray());
    }

    [Theory]
    // Truncated input is reported at the field where it ends.
    [InlineData("""{"name":"m","dimension":4""", "dimension")]
    [InlineData("""{"name":"m","dimension":"four"}""", "dimension")]
    [InlineData("", "body")]
    [InlineData("null", "body")]
    public async Task Unreadable_create_bodies_are_400_naming_the_field(string body, string field)
    {
        var response = await _server.PostRaw("/v1/memories", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
    }

    [Fact]
    public async Task Non_json_content_is_415()
    {
        var response = await _server.PostRaw("/v1/memories", "name=m", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Labels_are_listed_in_first_use_order_including_new_classes()
    {
        await _server.CreateMemory("m", 2);
        await _server.AddItems("m", (1, "cat", [1, 0]), (2, "dog", [0, 1]));
        await _server.AddItems("m", (3, "axolotl", [1, 1]));
        var labels = await ServerFixture.Json(await _server.Client.GetAsync("/v1/memories/m/labels"));
        Assert.Equal(["cat", "dog", "axolotl"], labels["labels"]!.AsArray().Select(l => (string?)l));
    }

    [Fact]
    public async Task Seal_trains_and_encodes_or_says_why_it_cannot()
    {
        await _server.CreateMemory("m", 4, index: "IVF64,Flat", shards: 1);
        await _server.AddItems("m", (1, "x", [1, 0, 0, 0]), (2, "y", [0, 1, 0, 0]));
        var refused = await _server.Post("/v1/memories/m/seal", new { });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("FAISS", (string?)(await ServerFixture.Json(refused))["detail"]);

        await _server.CreateMemory("flat", 4);
        await _server.AddItems("flat", (1, "x", [1, 0, 0, 0]), (2, "y", [0, 1, 0, 0]));
        var sealedResponse = await ServerFixture.Json(await _server.Post("/v1/memories/flat/seal", new { }));
        Assert.Equal(2, (int?)sealedResponse["sealed"]);
        Assert.True((bool?)sealedResponse["memory"]!["trained"]);
        var search = await ServerFixture.Json(await _server.Post("/v1/memories/flat/search", new { vector = new[] { 0f, 1, 0, 0 }, k = 1 }));
        Assert.Equal(2, (long?)search["neighbors"]![0]!["id"]);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_routes()
    {
        var document = await ServerFixture.Json(await _server.Client.GetAsync("/openapi/v1.json"));
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/v1/memories", paths);
        Assert.Contains("/v1/memories/{name}/classify", paths);
        Assert.Contains("/v1/memories/{name}/items/{id}", paths);
    }

    [Fact]
    public async Task Memories_survive_a_restart_through_the_data_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vm-restart-" + Guid.NewGuid().ToString("N"));
        string before;
        using (var first = new ServerFixture(directory))
        {
            await first.CreateMemory("m", 4, index: "IVF2,Flat", shards: 2);
            await first.AddItems("m", (1, "a", [1, 0, 0, 0]), (2, "b", [0, 1, 0, 0]), (3, "c", [0, 0, 1, 0]), (4, "d", [0, 0, 0, 1]));
            Assert.Equal(HttpStatusCode.OK, (await first.Post("/v1/memories/m/seal", new { })).StatusCode);
            await first.AddItems("m", (5, "e", [1, 1, 0, 0]));
            Assert.Equal(HttpStatusCode.NoContent, (await first.Client.DeleteAsync("/v1/memories/m/items/2")).StatusCode);
            before = await first.Observe("m", 4);
        }
        using var second = new ServerFixture(directory, deleteOnDispose: true);
        Assert.Equal(before, await second.Observe("m", 4));
        Assert.Equal(HttpStatusCode.NotFound, (await second.Client.GetAsync("/v1/memories/m/items/2")).StatusCode);
    }
}
