using System.Net;
using System.Text.Json.Nodes;

namespace VisualMemory.Server.Tests;

public sealed class TaxonomyRouteTests : IDisposable
{
    private const int D = 8;
    private const string M = "/v1/memories/m";
    private const string Taxonomy = """{"parents":{"cat":"animal","dog":"animal","car":"vehicle","truck":"vehicle","animal":null,"vehicle":null}}""";
    private readonly ServerFixture _server = new();

    public TaxonomyRouteTests()
    {
        _server.CreateMemory("m", D).GetAwaiter().GetResult();
        foreach (var batch in Items().Chunk(40))
        {
            _server.AddItems("m", batch).GetAwaiter().GetResult();
        }
    }

    public void Dispose() => _server.Dispose();

    /// <summary>Class centre: animals share axis 0, vehicles axis 2; the second axis tells the leaves apart.</summary>
    public static float[] Centre(string label)
    {
        var v = new float[D];
        var (main, side, sign) = label switch
        {
            "cat" => (0, 1, 1f),
            "dog" => (0, 1, -1f),
            "car" => (2, 3, 1f),
            _ => (2, 3, -1f),
        };
        v[main] = 1;
        v[side] = 0.5f * sign;
        return v;
    }

    /// <summary>20 items per label around its centre, with seeded spread in every dimension.</summary>
    public static (long Id, string Label, float[] Vector)[] Items()
    {
        var random = new Random(7);
        var items = new List<(long, string, float[])>();
        var labels = new[] { "cat", "dog", "car", "truck" };
        for (var c = 0; c < labels.Length; c++)
        {
            for (var i = 0; i < 20; i++)
            {
                var v = Centre(labels[c]);
                for (var j = 0; j < D; j++)
                {
                    v[j] += (float)(random.NextDouble() - 0.5) * 0.3f;
                }
                items.Add((c * 100 + i, labels[c], v));
            }
        }
        return [.. items];
    }

    private async Task PutTaxonomy() => await _server.Send(HttpMethod.Put, $"{M}/taxonomy", Taxonomy, HttpStatusCode.OK);

    private Task<JsonNode> Classify(string hierarchy, float[] vector) =>
        _server.PostOk($"{M}/classify", new { vector, k = 40, hierarchy });

    private static float[] Near(string label)
    {
        var v = Centre(label);
        v[5] = 0.05f;
        return v;
    }

    [Fact]
    public async Task Put_get_and_delete_the_taxonomy()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/taxonomy")).StatusCode);
        var put = await _server.Send(HttpMethod.Put, $"{M}/taxonomy", Taxonomy, HttpStatusCode.OK);
        Assert.Equal("animal", (string?)put!["parents"]!["cat"]);
        var got = await _server.GetOk($"{M}/taxonomy");
        var parents = got["parents"]!.AsObject();
        Assert.Equal(6, parents.Count);
        Assert.Equal("vehicle", (string?)parents["truck"]);
        Assert.Null(parents["animal"]);
        Assert.True(parents.ContainsKey("animal"));

        // A second PUT replaces the first.
        await _server.Send(HttpMethod.Put, $"{M}/taxonomy", """{"parents":{"cat":"pet","pet":null}}""", HttpStatusCode.OK);
        Assert.Equal(2, (await _server.GetOk($"{M}/taxonomy"))["parents"]!.AsObject().Count);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"{M}/taxonomy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/taxonomy")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _server.Post($"{M}/classify", new { vector = Near("cat"), hierarchy = "votes" })).StatusCode);
    }

    [Theory]
    [InlineData("cat", "animal")]
    [InlineData("dog", "animal")]
    [InlineData("car", "vehicle")]
    [InlineData("truck", "vehicle")]
    public async Task Votes_descend_from_the_top_level_to_the_leaf(string label, string parent)
    {
        await PutTaxonomy();
        var body = await Classify("votes", Near(label));
        Assert.Equal(label, (string?)body["label"]);
        var levels = body["levels"]!.AsArray();
        Assert.Equal([parent, label], levels.Select(l => (string?)l!["node"]));
        Assert.Equal([0, 1], levels.Select(l => (int)l!["depth"]!));
        Assert.All(levels, l => Assert.InRange((double)l!["confidence"]!, 0.5, 1.0));
        // Depth 0 sums every neighbour's rank vote under the winning top-level node.
        Assert.True((double)levels[0]!["score"]! > (double)levels[1]!["score"]!);
    }

    [Theory]
    [InlineData("cat", "animal")]
    [InlineData("truck", "vehicle")]
    public async Task Ks_puts_the_query_under_the_right_top_level_node(string label, string parent)
    {
        await PutTaxonomy();
        // k = 50 of 80 items: both top-level nodes are among the neighbours, so the KS test has to choose.
        var body = await _server.PostOk($"{M}/classify", new { vector = Near(label), k = 50, hierarchy = "ks" });
        var levels = body["levels"]!.AsArray();
        Assert.NotEmpty(levels);
        Assert.Equal(parent, (string?)levels[0]!["node"]);
        Assert.Equal(0, (int?)levels[0]!["depth"]);
        Assert.InRange((double)levels[0]!["score"]!, 0.0, 1.0);
        Assert.InRange((double)levels[0]!["confidence"]!, 0.5, 1.0);
        if (levels.Count > 1)
        {
            Assert.Contains((string?)levels[1]!["node"], parent == "animal" ? ["cat", "dog"] : new[] { "car", "truck" });
        }
    }

    [Fact]
    public async Task Hierarchy_without_a_taxonomy_is_409_and_an_unknown_method_422()
    {
        var before = await _server.ObserveAll("m", D);
        var conflict = await _server.Post($"{M}/classify", new { vector = Near("cat"), hierarchy = "ks" });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("taxonomy", (string?)(await ServerFixture.Json(conflict))["detail"]);
        await PutTaxonomy();
        before = await _server.ObserveAll("m", D);
        var invalid = await _server.Post($"{M}/classify", new { vector = Near("cat"), hierarchy = "tree" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.NotNull((await ServerFixture.Json(invalid))["errors"]!["hierarchy"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    public static TheoryData<string, string> InvalidTaxonomies => new()
    {
        { """{"parents":{"cat":"animal","animal":"cat"}}""", "parents" },
        { """{"parents":{"a":"b","b":"c","c":"a"}}""", "parents" },
        { """{"parents":{"cat":"cat"}}""", "parents" },
        { """{"parents":{}}""", "parents" },
        { """{}""", "parents" },
        { """{"parents":{"cat":" "}}""", "parents" },
        { """{"parents":{" ":"animal"}}""", "parents" },
    };

    [Theory]
    [MemberData(nameof(InvalidTaxonomies))]
    public async Task Invalid_taxonomies_are_422_and_keep_the_one_in_force(string body, string field)
    {
        await PutTaxonomy();
        var before = await _server.ObserveAll("m", D);
        var problem = await _server.Send(HttpMethod.Put, $"{M}/taxonomy", body, HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem!["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Theory]
    [InlineData("""{"parents":{"cat":1}}""")]
    [InlineData("""{"parents":["cat"]}""")]
    [InlineData("")]
    public async Task Malformed_taxonomies_are_400_and_change_nothing(string body)
    {
        var before = await _server.ObserveAll("m", D);
        await _server.Send(HttpMethod.Put, $"{M}/taxonomy", body, HttpStatusCode.BadRequest);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Unknown_memory_is_404_on_taxonomy_routes()
    {
        await _server.Send(HttpMethod.Put, "/v1/memories/nope/taxonomy", Taxonomy, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/nope/taxonomy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync("/v1/memories/nope/taxonomy")).StatusCode);
    }
}
