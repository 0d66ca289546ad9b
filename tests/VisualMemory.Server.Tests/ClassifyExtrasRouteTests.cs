using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class ClassifyExtrasRouteTests : IDisposable
{
    private const int D = 4;
    private readonly ServerFixture _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Residual_classifies_what_the_query_shows_besides_its_nearest_neighbour()
    {
        await _server.CreateMemory("m", D);
        // Two concepts on orthogonal axes.
        await _server.AddItems("m", (1, "cat", [1, 0, 0, 0]), (2, "cat", [1, 0, 0.1f, 0]), (3, "car", [0, 1, 0, 0]), (4, "car", [0, 1, 0, 0.1f]));
        var body = await _server.PostOk("/v1/memories/m/classify", new { vector = new[] { 0.8f, 0.6f, 0, 0 }, k = 2, residual = true });
        Assert.Equal("cat", (string?)body["label"]);
        var residual = body["residual"]!;
        Assert.Equal("car", (string?)residual["label"]);
        Assert.Null(residual["residual"]);
        // The other way round.
        var other = await _server.PostOk("/v1/memories/m/classify", new { vector = new[] { 0.6f, 0.8f, 0, 0 }, k = 2, residual = true });
        Assert.Equal("car", (string?)other["label"]);
        Assert.Equal("cat", (string?)other["residual"]!["label"]);
        // Without the flag there is no residual; a query equal to its neighbour leaves nothing to classify.
        Assert.Null((await _server.PostOk("/v1/memories/m/classify", new { vector = new[] { 0.8f, 0.6f, 0, 0 }, k = 2 }))["residual"]);
        Assert.Null((await _server.PostOk("/v1/memories/m/classify", new { vector = new[] { 1f, 0, 0, 0 }, k = 2, residual = true }))["residual"]);
    }

    [Fact]
    public async Task Centering_is_applied_to_items_and_queries()
    {
        var center = new[] { 10f, 0, 0, 0 };
        Assert.Equal(HttpStatusCode.Created, (await _server.Post("/v1/memories", new { name = "centred", dimension = D, center })).StatusCode);
        await _server.CreateMemory("plain", D);
        foreach (var memory in new[] { "centred", "plain" })
        {
            // Almost parallel raw; orthogonal once [10, 0, 0, 0] is subtracted.
            await _server.AddItems(memory, (1, "a", [11, 0, 0, 0]), (2, "b", [10, 1, 0, 0]));
        }
        var centred = await _server.PostOk("/v1/memories/centred/search", new { vector = new[] { 10f, 1, 0, 0 }, k = 2 });
        Assert.Equal(1.0, (double)centred["neighbors"]![0]!["similarity"]!, 5);
        Assert.Equal(0.0, (double)centred["neighbors"]![1]!["similarity"]!, 5);
        var plain = await _server.PostOk("/v1/memories/plain/search", new { vector = new[] { 10f, 1, 0, 0 }, k = 2 });
        Assert.Equal(10 / Math.Sqrt(101), (double)plain["neighbors"]![1]!["similarity"]!, 4);

        var query = new[] { 20f, 1.5f, 0, 0 };
        Assert.Equal("b", (string?)(await _server.PostOk("/v1/memories/plain/classify", new { vector = query, k = 1 }))["label"]);
        Assert.Equal("a", (string?)(await _server.PostOk("/v1/memories/centred/classify", new { vector = query, k = 1 }))["label"]);
    }

    [Theory]
    [InlineData("""{"name":"c","dimension":4,"center":[1,2,3]}""")]
    [InlineData("""{"name":"c","dimension":4,"center":[1,2,3,4,5]}""")]
    [InlineData("""{"name":"c","dimension":4,"center":[1,"NaN",3,4]}""")]
    public async Task A_centre_of_the_wrong_length_or_not_finite_is_422_and_creates_nothing(string body)
    {
        var response = await _server.PostRaw("/v1/memories", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["center"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/c")).StatusCode);
        Assert.Empty((await _server.GetOk("/v1/memories"))["memories"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"vector":[1,0,0,0],"pruning":"partial"}""", "pruning")]
    [InlineData("""{"vector":[1,0,0,0],"hierarchy":"tree"}""", "hierarchy")]
    [InlineData("""{"vector":[1,0,0,0],"lambda":2}""", "lambda")]
    [InlineData("""{"vector":[1,0,0,0],"lambda":"NaN"}""", "lambda")]
    public async Task Unknown_extras_are_422_naming_the_field(string body, string field)
    {
        await _server.CreateMemory("m", D);
        await _server.AddItems("m", (1, "cat", [1, 0, 0, 0]));
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw("/v1/memories/m/classify", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }
}
