using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;

using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// Membership on the control plane: an embedded node (SQLite) sees itself as the only, controlling
/// node; three real node processes on one real PostgreSQL agree on who is alive and who controls,
/// and when the controller is SIGKILLed another takes over and declares it dead.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class MembershipTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-members-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task An_embedded_node_is_the_only_node_and_its_own_controller()
    {
        using var server = new ServerFixture(Path.Combine(_root, "solo"), new Dictionary<string, string>
        {
            ["Cluster:NodeName"] = "solo",
            ["Cluster:HeartbeatMilliseconds"] = "50",
        });
        var nodes = await Until(() => server.GetOk("/v1/cluster/nodes"), n => n["controller"] is not null);
        Assert.Equal("solo", (string?)nodes["self"]);
        var only = Assert.Single(nodes["nodes"]!.AsArray());
        Assert.Equal("solo", (string?)only!["name"]);
        Assert.True((bool)only["alive"]!);
        Assert.Equal("Coordinator, ShardHost", (string?)only["roles"]);
        Assert.Equal("solo", (string?)nodes["controller"]!["holder"]);
        Assert.True(File.Exists(Path.Combine(_root, "solo", "cluster.db")));

        // The node's own memories are placed on it and, since it holds their data, reported ready.
        await server.CreateMemory("m", 4, shards: 2);
        var placement = await Until(() => server.GetOk("/v1/cluster/placement"),
            p => p["replicas"]!.AsArray().Count == 2 && p["replicas"]!.AsArray().All(r => (string?)r!["state"] == "ready"));
        Assert.All(placement["replicas"]!.AsArray(), r => Assert.Equal("solo", (string?)r!["node"]));
    }

    [Fact]
    public async Task Three_nodes_agree_and_a_killed_controller_is_replaced_and_declared_dead()
    {
        var database = await postgres.CreateDatabaseAsync("members_" + Guid.NewGuid().ToString("N")[..8]);
        var nodes = new Dictionary<string, ServerProcess>();
        try
        {
            foreach (var name in new[] { "n1", "n2", "n3" })
            {
                nodes[name] = await Start(name, database);
            }
            var view = await Until(() => Nodes(nodes["n1"]), v => v["controller"] is not null && Alive(v).Count == 3);
            var controller = (string)view["controller"]!["holder"]!;
            var epoch = (long)view["controller"]!["epoch"]!;
            // Every node reads the same state: the store, not the node, is the truth.
            foreach (var node in nodes.Values)
            {
                var other = await Nodes(node);
                Assert.Equal(["n1", "n2", "n3"], Alive(other));
                Assert.Equal(controller, (string?)other["controller"]!["holder"]);
            }

            // The controller places 2 replicas of each of 4 shards: distinct nodes, balanced.
            var created = await nodes["n2"].Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = 4, shards = 4, replicas = 2 });
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
            var conflict = await nodes["n3"].Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = 4 });
            Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
            var placement = await Until(() => Placement(nodes["n1"]), p => p.Count == 8);
            AssertPlaced(placement, ["n1", "n2", "n3"]);
            // Shard hosts create the new memory's replicas (empty) and report them: every replica turns ready.
            try
            {
                await Until(() => States(nodes["n1"]), st => st.Count == 8 && st.All(r => r.State == "ready"), TimeSpan.FromSeconds(30));
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{string.Join(", ", await States(nodes["n1"]))}\n{string.Join("\n", nodes.Select(n => $"--- {n.Key}:\n{n.Value.OutputTail}"))}");
            }
            Assert.All(placement.GroupBy(r => r.Node), g => Assert.InRange(g.Count(), 2, 3));

            Assert.Equal(ServerProcess.SigkillExitCode, nodes[controller].Kill());
            var survivor = nodes.First(n => n.Key != controller).Value;
            view = await Until(() => Nodes(survivor), v =>
                v["controller"] is { } c && (string)c["holder"]! != controller && !Alive(v).Contains(controller), TimeSpan.FromSeconds(30));
            Assert.True((long)view["controller"]!["epoch"]! > epoch);
            Assert.Equal(2, Alive(view).Count);
            var dead = view["nodes"]!.AsArray().Single(n => (string?)n!["name"] == controller)!;
            Assert.False((bool)dead["alive"]!);
            // The new controller moved the dead node's replicas to the survivors: still 2 per shard.
            placement = await Until(() => Placement(survivor), p => p.Count == 8 && p.All(r => r.Node != controller), TimeSpan.FromSeconds(30));
            AssertPlaced(placement, [.. nodes.Keys.Where(n => n != controller)]);

            // The killed node comes back under its name and is alive again.
            nodes[controller].Dispose();
            nodes[controller] = await Start(controller, database);
            await Until(() => Nodes(survivor), v => Alive(v).Count == 3);
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_cluster_node_without_shared_storage_or_an_internal_url_refuses_to_start_saying_why()
    {
        // The check runs before the control plane is contacted: no database is needed to see it.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(Path.Combine(_root, "private"),
            ["--Cluster:Database=Host=127.0.0.1;Port=1;Database=none", "--Cluster:NodeName=p"], TimeSpan.FromSeconds(60)));
        Assert.Contains("needs object storage every node reaches", refused.Message, StringComparison.Ordinal);
        var noInternal = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(Path.Combine(_root, "private"),
            ["--Cluster:Database=Host=127.0.0.1;Port=1;Database=none", "--Cluster:NodeName=p", $"--Storage:Directory={Path.Combine(_root, "objects")}"], TimeSpan.FromSeconds(60)));
        Assert.Contains("needs Cluster:InternalUrl", noInternal.Message, StringComparison.Ordinal);
    }

    private Task<ServerProcess> Start(string name, string database) =>
        ServerProcess.StartAsync(Path.Combine(_root, name),
        [
            $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", "--Cluster:LeaseSeconds=2",
            "--Storage:Kind=local", $"--Storage:Directory={Path.Combine(_root, "objects")}", $"--Cluster:InternalUrl=http://127.0.0.1:{FreePort()}",
            "--Cluster:HeartbeatMilliseconds=200", "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));

    private static async Task<JsonNode> Nodes(ServerProcess node) =>
        JsonNode.Parse(await node.Client.GetStringAsync(new Uri("/v1/cluster/nodes", UriKind.Relative)))!;

    private static async Task<List<(string Memory, int Shard, string Node)>> Placement(ServerProcess node) =>
        [.. JsonNode.Parse(await node.Client.GetStringAsync(new Uri("/v1/cluster/placement", UriKind.Relative)))!["replicas"]!.AsArray()
            .Select(r => ((string)r!["memory"]!, (int)r["shard"]!, (string)r["node"]!))];

    private static async Task<List<(string Node, string State)>> States(ServerProcess node) =>
        [.. JsonNode.Parse(await node.Client.GetStringAsync(new Uri("/v1/cluster/placement", UriKind.Relative)))!["replicas"]!.AsArray()
            .Select(r => ((string)r!["node"]!, (string)r["state"]!))];

    // Every shard of "m" has exactly 2 replicas, on 2 different nodes among the given ones.
    private static void AssertPlaced(List<(string Memory, int Shard, string Node)> placement, string[] nodes)
    {
        Assert.All(placement, r => Assert.Contains(r.Node, nodes));
        Assert.Equal([0, 1, 2, 3], placement.Select(r => r.Shard).Distinct().Order());
        Assert.All(placement.GroupBy(r => r.Shard), g => Assert.Equal(2, g.Select(r => r.Node).Distinct().Count()));
    }

    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"condition not reached; last: {System.Text.Json.JsonSerializer.Serialize(value)}");
            await Task.Delay(100);
        }
    }

    private static List<string> Alive(JsonNode view) =>
        [.. view["nodes"]!.AsArray().Where(n => (bool)n!["alive"]!).Select(n => (string)n!["name"]!).Order(StringComparer.Ordinal)];
}
