using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class LinearHeadRouteTests : IDisposable
{
    private const int D = 4;
    private const string M = "/v1/memories/m";
    private readonly ServerFixture _server = new();

    public LinearHeadRouteTests()
    {
        _server.CreateMemory("m", D, shards: 2).GetAwaiter().GetResult();
        // Three separable classes on three axes, a few items each.
        var items = new List<(long, string, float[])>();
        var labels = new[] { "cat", "dog", "owl" };
        for (var c = 0; c < labels.Length; c++)
        {
            for (var i = 0; i < 6; i++)
            {
                var v = ServerFixture.Axis(D, c);
                v[(c + 1 + i % 3) % D] = 0.05f * (i + 1);
                items.Add((c * 10 + i, labels[c], v));
            }
        }
        _server.AddItems("m", [.. items]).GetAwaiter().GetResult();
    }

    public void Dispose() => _server.Dispose();

    private static object Head(string[] labels, float[][] weights, float[] bias, float[]? mean = null) =>
        new { labels, weights, bias, mean };

    private static float[] Zeros() => new float[D];

    [Fact]
    public async Task Train_returns_the_head_with_decreasing_losses_and_get_describes_it()
    {
        var trained = await _server.PostOk($"{M}/linear-head/train", new { epochs = 60, learningRate = 0.05, batchSize = 4 });
        Assert.Equal(3, (int?)trained["classes"]);
        Assert.Equal(D, (int?)trained["dimension"]);
        Assert.True((bool)trained["centered"]!);
        var losses = trained["epochLosses"]!.AsArray().Select(l => (double)l!).ToArray();
        Assert.Equal(60, losses.Length);
        Assert.True(losses[^1] < losses[0] / 2, $"losses {losses[0]} → {losses[^1]}");

        var described = await _server.GetOk($"{M}/linear-head");
        Assert.Equal(3, (int?)described["classes"]);
        Assert.Equal(D, (int?)described["dimension"]);
        Assert.Null(described["epochLosses"]);

        // The trained head alone classifies each axis as its class.
        foreach (var (axis, label) in new[] { (0, "cat"), (1, "dog"), (2, "owl") })
        {
            var body = await _server.PostOk($"{M}/classify", new { vector = ServerFixture.Axis(D, axis), lambda = 0.0 });
            Assert.Equal(label, (string?)body["label"]);
            Assert.Equal(0.0, (double?)body["lambda"]);
        }
    }

    [Fact]
    public async Task Get_is_404_without_a_head_and_delete_removes_it()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/linear-head")).StatusCode);
        await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["cat"], [Zeros()], [0f]), ServerFixture.Web), HttpStatusCode.OK);
        await _server.GetOk($"{M}/linear-head");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"{M}/linear-head")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"{M}/linear-head")).StatusCode);
        var response = await _server.Post($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, lambda = 0.5 });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Lambda_zero_follows_the_loaded_head_regardless_of_the_neighbours()
    {
        // Bias makes "owl" win whatever the query; the neighbours of e0 are all cats.
        var loaded = await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["cat", "owl"], [Zeros(), Zeros()], [0f, 5f]), ServerFixture.Web), HttpStatusCode.OK);
        Assert.Equal(3, (int?)loaded!["classes"]);
        Assert.False((bool)loaded["centered"]!);
        var query = new[] { 1f, 0, 0, 0 };
        Assert.Equal("cat", (string?)(await _server.PostOk($"{M}/classify", new { vector = query, k = 5 }))["label"]);
        var joint = await _server.PostOk($"{M}/classify", new { vector = query, k = 5, lambda = 0.0 });
        Assert.Equal("owl", (string?)joint["label"]);
        Assert.Equal(Math.Exp(5) / (1 + Math.Exp(5)), (double)joint["confidence"]!, 4);
        Assert.False(joint["scores"]!.AsObject().ContainsKey("dog"));
        // A loaded head with weights: the class whose row matches the query wins.
        await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["dog", "cat"], [[10, 0, 0, 0], [0, 10, 0, 0]], [0f, 0f]), ServerFixture.Web), HttpStatusCode.OK);
        Assert.Equal("dog", (string?)(await _server.PostOk($"{M}/classify", new { vector = query, lambda = 0.0 }))["label"]);
    }

    [Theory]
    [InlineData(0.07)]
    [InlineData(0.5)]
    public async Task Lambda_one_equals_plain_knn_with_distance_over_tau_weights(double tau)
    {
        await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["owl"], [Zeros()], [50f]), ServerFixture.Web), HttpStatusCode.OK);
        var query = new[] { 1f, 0.6f, 0.1f, 0 };
        var plain = await _server.PostOk($"{M}/classify", new { vector = query, k = 8, aggregation = "softmax", tau });
        var joint = await _server.PostOk($"{M}/classify", new { vector = query, k = 8, aggregation = "softmax", tau, lambda = 1.0 });
        Assert.Equal((string?)plain["label"], (string?)joint["label"]);
        Assert.Equal((double)plain["confidence"]!, (double)joint["confidence"]!, 6);
        var plainScores = plain["scores"]!.AsObject();
        var total = plainScores.Sum(s => (double)s.Value!);
        var jointScores = joint["scores"]!.AsObject();
        Assert.Equal(plainScores.Select(s => s.Key).Order(), jointScores.Select(s => s.Key).Order());
        foreach (var (label, score) in plainScores)
        {
            Assert.Equal((double)score! / total, (double)jointScores[label]!, 6);
        }
        Assert.Equal(1.0, (double?)joint["lambda"]);
    }

    public static TheoryData<string, string> InvalidHeads => new()
    {
        { """{"labels":["cat","zebra"],"weights":[[0,0,0,0],[0,0,0,0]],"bias":[0,0]}""", "labels" },
        { """{"labels":["cat","cat"],"weights":[[0,0,0,0],[0,0,0,0]],"bias":[0,0]}""", "labels" },
        { """{"labels":[],"weights":[],"bias":[]}""", "labels" },
        { """{"weights":[[0,0,0,0]],"bias":[0]}""", "labels" },
        { """{"labels":["cat","dog"],"weights":[[0,0,0,0],[0,0,0]],"bias":[0,0]}""", "weights" },
        { """{"labels":["cat","dog"],"weights":[[0,0,0,0]],"bias":[0,0]}""", "weights" },
        { """{"labels":["cat","dog"],"weights":[[0,0,0,0],null],"bias":[0,0]}""", "weights" },
        { """{"labels":["cat"],"weights":[[0,"NaN",0,0]],"bias":[0]}""", "weights" },
        { """{"labels":["cat"],"weights":[[0,"Infinity",0,0]],"bias":[0]}""", "weights" },
        { """{"labels":["cat"],"bias":[0]}""", "weights" },
        { """{"labels":["cat","dog"],"weights":[[0,0,0,0],[0,0,0,0]],"bias":[0]}""", "bias" },
        { """{"labels":["cat"],"weights":[[0,0,0,0]],"bias":["NaN"]}""", "bias" },
        { """{"labels":["cat"],"weights":[[0,0,0,0]]}""", "bias" },
        { """{"labels":["cat"],"weights":[[0,0,0,0]],"bias":[0],"mean":[0,0,0]}""", "mean" },
        { """{"labels":["cat"],"weights":[[0,0,0,0]],"bias":[0],"mean":[0,0,"-Infinity",0]}""", "mean" },
    };

    [Theory]
    [MemberData(nameof(InvalidHeads))]
    public async Task Invalid_heads_are_422_naming_the_field_and_leave_the_head_alone(string body, string field)
    {
        await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["dog"], [Zeros()], [1f]), ServerFixture.Web), HttpStatusCode.OK);
        var before = await _server.ObserveAll("m", D);
        var joint = (await _server.PostOk($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, lambda = 0.3 })).ToJsonString();
        var problem = await _server.Send(HttpMethod.Put, $"{M}/linear-head", body, HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem!["errors"]![field]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
        Assert.Equal(joint, (await _server.PostOk($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, lambda = 0.3 })).ToJsonString());
    }

    public static TheoryData<string, string> InvalidTraining => new()
    {
        { """{"epochs":0}""", "epochs" },
        { """{"epochs":1001}""", "epochs" },
        { """{"learningRate":0}""", "learningRate" },
        { """{"learningRate":-0.1}""", "learningRate" },
        { """{"learningRate":"NaN"}""", "learningRate" },
        { """{"weightDecay":-1}""", "weightDecay" },
        { """{"batchSize":0}""", "batchSize" },
    };

    [Theory]
    [MemberData(nameof(InvalidTraining))]
    public async Task Invalid_training_options_are_422_naming_the_field_and_train_nothing(string body, string field)
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.PostRaw($"{M}/linear-head/train", body);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await ServerFixture.Json(response);
        Assert.True(problem["errors"]![field] is not null, problem.ToJsonString());
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Training_an_empty_memory_is_409_and_an_unknown_memory_404()
    {
        await _server.CreateMemory("empty", D);
        var before = await _server.ObserveAll("empty", D);
        Assert.Equal(HttpStatusCode.Conflict, (await _server.Post("/v1/memories/empty/linear-head/train", new { epochs = 1 })).StatusCode);
        Assert.Equal(before, await _server.ObserveAll("empty", D));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Post("/v1/memories/nope/linear-head/train", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/v1/memories/nope/linear-head")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync("/v1/memories/nope/linear-head")).StatusCode);
        await _server.Send(HttpMethod.Put, "/v1/memories/nope/linear-head", """{"labels":["cat"],"weights":[[0,0,0,0]],"bias":[0]}""", HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public async Task Lambda_outside_zero_one_is_422(double lambda)
    {
        await _server.Send(HttpMethod.Put, $"{M}/linear-head",
            System.Text.Json.JsonSerializer.Serialize(Head(["cat"], [Zeros()], [0f]), ServerFixture.Web), HttpStatusCode.OK);
        var before = await _server.ObserveAll("m", D);
        var response = await _server.Post($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, lambda });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull((await ServerFixture.Json(response))["errors"]!["lambda"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }

    [Fact]
    public async Task Lambda_without_a_head_is_409()
    {
        var before = await _server.ObserveAll("m", D);
        var response = await _server.Post($"{M}/classify", new { vector = new[] { 1f, 0, 0, 0 }, lambda = 0.5 });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("linear head", (string?)(await ServerFixture.Json(response))["detail"]);
        Assert.Equal(before, await _server.ObserveAll("m", D));
    }
}
