using System.Net;
using System.Text.Json.Nodes;
using VisualMemory.ControlPlane;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The operator routes on an embedded node (its control plane is SQLite at {data-dir}/cluster.db). The
/// test registers extra shard hosts in that database and plays them, reporting their replicas Ready,
/// while the node's own controller carries the requests out.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes both through IAsyncLifetime.DisposeAsync.")]
public sealed class OperatorEndpointTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromHours(1);

    private readonly ServerFixture _server = new(
        Path.Combine(Path.GetTempPath(), "vm-operator-" + Guid.NewGuid().ToString("N")),
        new Dictionary<string, string> { ["Cluster:NodeName"] = "solo", ["Cluster:HeartbeatMilliseconds"] = "50" },
        deleteOnDispose: true);

    private SqliteClusterStore _store = null!;

    public async Task InitializeAsync()
    {
        // The server migrated the store when it started; this is a second connection to the same file.
        _store = new SqliteClusterStore(Path.Combine(_server.DataDirectory, "cluster.db"));
        await _server.CreateMemory("m", 4, shards: 4);
        await Until(() => _server.GetOk("/v1/cluster/placement"),
            p => p["replicas"]!.AsArray().Count == 4 && p["replicas"]!.AsArray().All(r => (string?)r!["state"] == "ready"));
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task A_move_is_validated_and_answered_with_the_planners_reasons()
    {
        await _store.RegisterNodeAsync("b", "http://b", NodeRoles.ShardHost, Lease);
        await _store.RegisterNodeAsync("c", "http://c", NodeRoles.ShardHost, Lease);
        await _store.RegisterNodeAsync("coord", "http://coord", NodeRoles.Coordinator, Lease);
        await _store.RegisterNodeAsync("gone", "http://gone", NodeRoles.ShardHost, TimeSpan.FromMilliseconds(1));
        await _store.RegisterNodeAsync("leaving", "http://leaving", NodeRoles.ShardHost, Lease);
        await _store.SetDrainingAsync("leaving", true);
        await Task.Delay(20);

        var missing = await Move("{}", HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["from", "memory", "shard", "to"], missing!["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        await Move(Body("nope", 0, "solo", "b"), HttpStatusCode.NotFound);
        Assert.NotNull((await Move(Body("m", 4, "solo", "b"), HttpStatusCode.UnprocessableEntity))!["errors"]!["shard"]);
        Assert.NotNull((await Move(Body("m", 0, "ghost", "b"), HttpStatusCode.UnprocessableEntity))!["errors"]!["from"]);
        Assert.Contains("not a shard host", (string?)(await Move(Body("m", 0, "solo", "coord"), HttpStatusCode.UnprocessableEntity))!["errors"]!["to"]![0], StringComparison.Ordinal);
        Assert.NotNull((await Move(Body("m", 0, "solo", "solo"), HttpStatusCode.UnprocessableEntity))!["errors"]!["to"]);
        Assert.Contains("the node is dead", (string?)(await Move(Body("m", 0, "solo", "gone"), HttpStatusCode.Conflict))!["detail"], StringComparison.Ordinal);
        Assert.Contains("the node is draining", (string?)(await Move(Body("m", 0, "solo", "leaving"), HttpStatusCode.Conflict))!["detail"], StringComparison.Ordinal);
        Assert.Contains("holds no serving replica", (string?)(await Move(Body("m", 0, "b", "c"), HttpStatusCode.Conflict))!["detail"], StringComparison.Ordinal);
        Assert.Empty(await _store.ListPendingMovesAsync());

        var accepted = await Move(Body("m", 0, "solo", "b"), HttpStatusCode.Accepted);
        Assert.Equal(("m", 0, "solo", "b"), ((string?)accepted!["memory"], (int)accepted["shard"]!, (string?)accepted["from"], (string?)accepted["to"]));
        await Move(Body("m", 0, "solo", "b"), HttpStatusCode.Conflict);
        // Once the new replica is placed, a second move to the same node is refused by the planner's rule.
        await Until(() => _server.GetOk("/v1/cluster/operations"), o => (string?)o["moves"]![0]!["target"] == "loading");
        Assert.Contains("already holds a replica", (string?)(await Move(Body("m", 0, "solo", "b"), HttpStatusCode.Conflict))!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_move_shows_its_progress_and_completes_once_the_new_replica_is_ready()
    {
        await _store.RegisterNodeAsync("b", "http://b", NodeRoles.ShardHost, Lease);
        await Move(Body("m", 1, "solo", "b"), HttpStatusCode.Accepted);

        var loading = await Until(() => _server.GetOk("/v1/cluster/operations"), o => (string?)o["moves"]![0]!["target"] == "loading");
        // Make before break: the old replica still serves while the new one loads.
        Assert.Equal("ready", (string?)loading["moves"]![0]!["source"]);
        Assert.False((bool)loading["done"]!);
        Assert.Equal(1, (int)loading["loadingReplicas"]!);

        await ReportReady("b");
        var done = await Until(() => _server.GetOk("/v1/cluster/operations"), o => (bool)o["done"]!);
        Assert.Empty(done["moves"]!.AsArray());
        var replicas = (await _store.ListAssignmentsAsync("m")).Where(a => a.Shard == 1).ToList();
        Assert.Equal(("b", AssignmentState.Ready), (Assert.Single(replicas).Node, replicas[0].State));
    }

    [Fact]
    public async Task Drain_and_undrain_answer_202_and_404_for_an_unknown_node()
    {
        await _store.RegisterNodeAsync("b", "http://b", NodeRoles.ShardHost, Lease);
        await _server.Send(HttpMethod.Post, "/v1/cluster/nodes/ghost/drain", "", HttpStatusCode.NotFound);
        await _server.Send(HttpMethod.Delete, "/v1/cluster/nodes/ghost/drain", "", HttpStatusCode.NotFound);

        var drained = await _server.Send(HttpMethod.Post, "/v1/cluster/nodes/solo/drain", "", HttpStatusCode.Accepted);
        Assert.True((bool)drained!["draining"]!);
        // solo's four replicas move to b; each leaves only once b reports its copy Ready.
        var progress = await Until(() => _server.GetOk("/v1/cluster/operations"), o => (int)o["loadingReplicas"]! > 0);
        Assert.Equal("solo", (string?)progress["drains"]![0]!["node"]);
        Assert.Equal(4, (int)progress["drains"]![0]!["replicas"]!);
        var empty = await Until(async () =>
        {
            await ReportReady("b");
            return await _server.GetOk("/v1/cluster/operations");
        }, o => (bool)o["done"]!);
        Assert.Equal(0, (int)empty["drains"]![0]!["replicas"]!);
        Assert.All(await _store.ListAssignmentsAsync(), a => Assert.Equal("b", a.Node));

        var undrained = await _server.Send(HttpMethod.Delete, "/v1/cluster/nodes/solo/drain", "", HttpStatusCode.Accepted);
        Assert.False((bool)undrained!["draining"]!);
        Assert.Empty((await _server.GetOk("/v1/cluster/operations"))["drains"]!.AsArray());
    }

    [Fact]
    public async Task A_rebalance_is_accepted_carried_out_and_cleared()
    {
        await _store.RegisterNodeAsync("b", "http://b", NodeRoles.ShardHost, Lease);
        var accepted = await _server.Send(HttpMethod.Post, "/v1/cluster/rebalance", "", HttpStatusCode.Accepted);
        Assert.NotNull((string?)accepted!["requestedAt"]);
        Assert.NotNull((await _server.GetOk("/v1/cluster/operations"))["rebalance"]);

        await Until(async () =>
        {
            await ReportReady("b");
            return await _server.GetOk("/v1/cluster/operations");
        }, o => (bool)o["done"]!);
        // The rebalance request is done once nothing more is worth moving; the extra copies then leave solo.
        await Until(() => _server.GetOk("/v1/cluster/placement"),
            p => p["replicas"]!.AsArray().Count == 4 && p["replicas"]!.AsArray().All(r => (string?)r!["state"] == "ready"));
        var placement = await _store.ListAssignmentsAsync("m");
        Assert.Equal(2, placement.Count(a => a.Node == "b" && a.State == AssignmentState.Ready));
        Assert.Equal(2, placement.Count(a => a.Node == "solo" && a.State == AssignmentState.Ready));
    }

    private static string Body(string memory, int shard, string from, string to) =>
        new JsonObject { ["memory"] = memory, ["shard"] = shard, ["from"] = from, ["to"] = to }.ToJsonString();

    private Task<JsonNode?> Move(string body, HttpStatusCode expected) =>
        _server.Send(HttpMethod.Post, "/v1/cluster/shards/move", body, expected);

    /// <summary>Plays shard host <paramref name="node"/>: its Loading replicas become Ready.</summary>
    private async Task ReportReady(string node)
    {
        foreach (var a in (await _store.ListAssignmentsAsync()).Where(a => a.Node == node && a.State == AssignmentState.Loading))
        {
            await _store.ReportReadyAsync(a.Memory, a.Shard, a.Node, a.Epoch);
        }
    }

    private static async Task<JsonNode> Until(Func<Task<JsonNode>> read, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out; last: " + value.ToJsonString());
            }
            await Task.Delay(25);
        }
    }
}
