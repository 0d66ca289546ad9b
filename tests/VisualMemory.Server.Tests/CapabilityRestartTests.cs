using System.Net;

namespace VisualMemory.Server.Tests;

public sealed class CapabilityRestartTests
{
    private const int D = 8;
    private const string M = "/v1/memories/m";

    private static readonly object[] Queries =
    [
        new { vector = TaxonomyRouteTests.Centre("cat"), k = 10, explain = true },
        new { vector = TaxonomyRouteTests.Centre("dog"), k = 10, explain = true, pruning = "hard" },
        new { vector = TaxonomyRouteTests.Centre("car"), k = 40, hierarchy = "votes" },
        new { vector = TaxonomyRouteTests.Centre("truck"), k = 50, hierarchy = "ks" },
        new { vector = TaxonomyRouteTests.Centre("cat"), k = 10, lambda = 0.5, residual = true },
        new { vector = TaxonomyRouteTests.Centre("car"), k = 10, lambda = 0.0 },
    ];

    private static async Task<string> Snapshot(ServerFixture server)
    {
        var text = new System.Text.StringBuilder(await server.ObserveAll("m", D));
        foreach (var query in Queries)
        {
            text.Append('|').Append((await server.PostOk($"{M}/classify", query)).ToJsonString());
        }
        foreach (var id in new[] { 0, 1, 5, 100, 205, 300, 900, 901 })
        {
            var response = await server.Client.GetAsync($"{M}/items/{id}");
            text.Append('|').Append((int)response.StatusCode).Append(response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "");
        }
        // When deleted items leave storage depends on checkpoints (a graceful stop runs one), not on content.
        return System.Text.RegularExpressions.Regex.Replace(text.ToString(), "\"forgottenAt\":(null|\"[^\"]*\")", "\"forgottenAt\":…");
    }

    [Fact]
    public async Task Prunes_unlearning_taxonomy_and_linear_head_survive_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "vm-tests-" + Guid.NewGuid().ToString("N"));
        string before;
        using (var first = new ServerFixture(directory))
        {
            await first.CreateMemory("m", D, shards: 3);
            foreach (var batch in TaxonomyRouteTests.Items().Chunk(40))
            {
                await first.AddItems("m", batch);
            }
            // Two cats inside the dog cluster, so the prune job has something to blame.
            await first.AddItems("m", (900, "cat", TaxonomyRouteTests.Centre("dog")), (901, "cat", TaxonomyRouteTests.Centre("dog")));
            var version = await first.PostOk($"{M}/prunes", new { k = 5, hardThreshold = 2 }, HttpStatusCode.Created);
            Assert.True((int)version["blamed"]! > 0);
            await first.PostOk($"{M}/prunes", new { k = 3 }, HttpStatusCode.Created);
            await first.PostOk($"{M}/prunes/1/apply", new { mode = "hard" });
            await first.PostOk($"{M}/prunes/1/apply", new { mode = "soft" });
            await first.PostOk($"{M}/unlearn", new { ids = new[] { 1L, 2L } });
            await first.PostOk($"{M}/unlearn", new { label = "nothing-here" });
            Assert.Equal(HttpStatusCode.NoContent, (await first.Client.DeleteAsync($"{M}/items/101")).StatusCode);
            await first.Send(HttpMethod.Put, $"{M}/taxonomy",
                """{"parents":{"cat":"animal","dog":"animal","car":"vehicle","truck":"vehicle"}}""", HttpStatusCode.OK);
            await first.PostOk($"{M}/linear-head/train", new { epochs = 5 });
            before = await Snapshot(first);
        }
        using var second = new ServerFixture(directory, deleteOnDispose: true);
        Assert.Equal(before, await Snapshot(second));

        var prunes = await second.GetOk($"{M}/prunes");
        Assert.Equal(2, prunes["versions"]!.AsArray().Count);
        Assert.Equal(1, (int?)prunes["applied"]!["version"]);
        Assert.Equal("soft", (string?)prunes["applied"]!["mode"]);
        var records = (await second.GetOk($"{M}/unlearning"))["records"]!.AsArray();
        Assert.Equal(["ids", "label", "ids"], records.Select(r => (string?)r!["kind"]));
        Assert.Equal(["1,2", "nothing-here", "101"], records.Select(r => (string?)r!["selector"]));
        // The graceful stop checkpointed every shard, so no stored object holds the unlearned items.
        Assert.All(records, r => Assert.NotNull((string?)r!["forgottenAt"]));
        Assert.Equal("vehicle", (string?)(await second.GetOk($"{M}/taxonomy"))["parents"]!["truck"]);
        Assert.Equal(D, (int?)(await second.GetOk($"{M}/linear-head"))["dimension"]);

        // The applied stack survives too: rolling back lands on the hard apply underneath.
        var back = await second.PostOk($"{M}/prunes/rollback", new { });
        Assert.Equal("hard", (string?)back["applied"]!["mode"]);
    }
}
