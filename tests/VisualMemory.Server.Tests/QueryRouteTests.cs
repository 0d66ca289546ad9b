using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class QueryRouteTests : IDisposable
{
    private const int D = 4;
    private readonly ServerFixture _server = new();

    public QueryRouteTests()
    {
        _server.CreateMemory("m", D, shards: 3).GetAwaiter().GetResult();
        // Two cats close to the x axis, one dog further away: distinct similarities to [1,0,0,0].
        _server.AddItems("m",
            (1, "cat", [1, 0.1f, 0, 0]),
            (2, "dog", [1, 0.5f, 0, 0]),
            (3, "cat", [1, 1, 0, 0]),
            (4, "dog", [0, 1, 0, 0])).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Search_returns_k_neighbours_nearest_first_across_shards()
    {
        var body = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 2f, 0, 0, 0 }, k = 3 }));
        var neighbors = body["neighbors"]!.AsArray();
        Assert.Equal([1L, 2L, 3L], neighbors.Select(n => (long)n!["id"]!));
        Assert.Equal(["cat", "dog", "cat"], neighbors.Select(n => (string?)n!["label"]));
        var similarities = neighbors.Select(n => (double)n!["similarity"]!).ToArray();
        Assert.Equal(1 / Math.Sqrt(1.01), similarities[0], 5);
        Assert.True(similarities[0] > similarities[1] && similarities[1] > similarities[2]);
    }

    [Fact]
    public async Task Search_defaults_k_to_10_and_returns_what_there_is()
    {
        var body = await ServerFixture.Json(await _server.Post("/v1/memories/m/search", new { vector = new[] { 1f, 0, 0, 0 } }));
        Assert.Equal(4, body["neighbors"]!.AsArray().Count);
    }

    [Fact]
    public async Task Batch_search_answers_each_query_in_order()
    {
        var body = await ServerFixture.Json(await _server.Post("/v1/memories/m/search/batch",
            new { vectors = new[] { new[] { 1f, 0, 0, 0 }, new[] { 0f, 1, 0, 0 } }, k = 1 }));
        var results = body["results"]!.AsArray();
        Assert.Equal(1, (long?)results[0]!["neighbors"]![0]!["id"]);
        Assert.Equal(4, (long?)results[1]!["neighbors"]![0]!["id"]);
    }

    [Theory]
    [InlineData("plurality", "cat", 2.0 / 3.0)]
    [InlineData("rank", "cat", (1.0 / 2 + 1.0 / 4) / (1.0 / 2 + 1.0 / 3 + 1.0 / 4))]
    public async Task Classify_aggregates_the_neighbours_votes(string aggregation, string label, double confidence)
    {
        var body = await ServerFixture.Json(await _server.Post("/v1/memories/m/classify",
            new { vector = new[] { 1f, 0, 0, 0 }, k = 3, aggregation }));
        Assert.Equal(label, (string?)body["label"]);
        Assert.Equal(confidence, (double)body["confidence"]!, 6);
        Assert.Null(body["neighbors"]);
        var scores = body["scores"]!.AsObject();
        Assert.Equal(confidence, (double)scores[label]! / scores.Sum(s => (double)s.Value!), 6);
    }

    [Fact]
    public async Task Classify_with_explain_returns_neighbours_with_their_weights()
    {
        var body = await ServerFixture.Json(await _server.Post("/v1/memories/m/classify",
            new { vector = new[] { 1f, 0, 0, 0 }, k = 3, aggregation = "distance", explain = true }));
        var neighbors = body["neighbors"]!.AsArray();
        Assert.Equal(3, neighbors.Count);
        foreach (var n in neighbors)
        {
            Assert.Equal(Math.Exp(-(1 - (double)n!["similarity"]!)), (double)n["weight"]!, 5);
        }
    }

    [Fact]
    public async Task Classify_accepts_tau_and_alpha()
    {
        var sharp = await ServerFixture.Json(await _server.Post("/v1/memories/m/classify",
            new { vector = new[] { 1f, 0, 0, 0 }, k = 3, aggregation = "softmax", tau = 0.001 }));
        Assert.Equal(1.0, (double)sharp["confidence"]!, 3);
        var flatRank = await ServerFixture.Json(await _server.Post("/v1/memories/m/classify",
            new { vector = new[] { 1f, 0, 0, 0 }, k = 4, aggregation = "rank", alpha = 1e9, explain = true }));
        Assert.Equal(0.5, (double)flatRank["confidence"]!, 6);
    }

    [Fact]
    public async Task Classifying_against_an_empty_memory_is_409()
    {
        await _server.CreateMemory("empty", D);
        var response = await _server.Post("/v1/memories/empty/classify", new { vector = new[] { 1f, 0, 0, 0 } });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    public static TheoryData<string, string, string> InvalidQueries => new()
    {
        { "search", """{"vector":[1,0,0]}""", "vector" },
        { "search", """{"vector":[1,"NaN",0,0]}""", "vector" },
        { "search", """{"vector":[1,"-Infinity",0,0]}""", "vector" },
        { "search", """{"k":3}""", "vector" },
        { "search", """{"vector":[1,0,0,0],"k":0}""", "k" },
        { "search", """{"vector":[1,0,0,0],"k":1001}""", "k" },
        { "search", """{"vector":[1,0,0,0],"nprobe":0}""", "nprobe" },
        { "search/batch", """{"vectors":[]}""", "vectors" },
        { "search/batch", """{"vectors":[[1,0,0,0],[1,0]]}""", "vectors[1]" },
        { "search/batch", """{"vectors":[[1,0,0,0]],"k":-1}""", "k" },
        { "classify", """{"vector":[1,0,0,0],"aggregation":"median"}""", "aggregation" },
        { "classify", """{"vector":[1,0,0,0],"k":5000}""", "k" },
        { "classify", """{"vector":[0,0,0,0]}""", "vector" },
        { "classify", """{"vector":[1,0,0,0],"tau":0}""", "tau" },
        { "classify", """{"vector":[1,0,0,0],"aggregation":"rank","alpha":0}""", "alpha" },
    };

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task Invalid_queries_are_422_naming_the_field_and_change_nothing(string route, string body, string field)
    {
        var before = await _server.Observe("m", D);
        var response = await _server.PostRaw($"/v1/memories/m/{route}", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ServerFixture.Json(response);
        Assert.Equal(422, (int?)problem["status"]);
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(before, await _server.Observe("m", D));
    }

    [Theory]
    [InlineData("search", """{"vector":[1,0,0,0]""")]
    [InlineData("classify", """{"vector":[1,0,0,0],"k":"ten"}""")]
    [InlineData("search/batch", """{"vectors":{"a":1}}""")]
    [InlineData("classify", "")]
    public async Task Malformed_queries_are_400(string route, string body)
    {
        var response = await _server.PostRaw($"/v1/memories/m/{route}", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]);
    }

    [Fact]
    public async Task Too_many_batch_queries_is_413()
    {
        var vectors = Enumerable.Range(0, 9).Select(_ => new[] { 1f, 0, 0, 0 });
        var response = await _server.Post("/v1/memories/m/search/batch", new { vectors });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
