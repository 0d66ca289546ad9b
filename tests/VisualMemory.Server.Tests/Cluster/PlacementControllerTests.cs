using VisualMemory.ControlPlane;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The controller's rounds against a real SQLite control plane, without node processes: the test plays
/// the shard hosts by reporting replicas Ready, so each make-before-break step can be watched.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the store through IAsyncLifetime.DisposeAsync.")]
public sealed class PlacementControllerTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromHours(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("vm-controller-").FullName;
    private SqliteClusterStore _store = null!;
    private ControllerLease _lease = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteClusterStore(Path.Combine(_directory, "cluster.db"));
        await _store.MigrateAsync();
        _lease = (await _store.TryAcquireControllerAsync("ctl", Lease))!;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_requested_move_makes_the_new_replica_before_it_breaks_the_old_one_then_retires()
    {
        await Nodes("a", "b", "c");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 2, 1));
        await Settle();
        var source = (await Replicas("m", 0)).Single().Node;
        var target = source == "c" ? "b" : "c";
        Assert.Equal(MoveRequestOutcome.Requested, await _store.RequestMoveAsync("m", 0, source, target));

        // The target is added while the source keeps serving.
        await Round(expected: PlacementOutcome.Applied);
        Assert.Equal(new Dictionary<string, AssignmentState> { [source] = AssignmentState.Ready, [target] = AssignmentState.Loading }, await States("m", 0, source, target));
        // Nothing happens to the source while the target loads, however many rounds pass.
        await Round(expected: null);
        Assert.Equal(new Dictionary<string, AssignmentState> { [source] = AssignmentState.Ready, [target] = AssignmentState.Loading }, await States("m", 0, source, target));
        Assert.Single(await _store.ListPendingMovesAsync());

        // Target Ready: the source stops serving (draining), and is removed by the next round, which retires the request.
        await ReportReady();
        await Round(expected: PlacementOutcome.Applied);
        Assert.Equal(new Dictionary<string, AssignmentState> { [source] = AssignmentState.Draining, [target] = AssignmentState.Ready }, await States("m", 0, source, target));
        Assert.Single(await _store.ListPendingMovesAsync());
        await Round(expected: PlacementOutcome.Applied);
        Assert.Equal(new Dictionary<string, AssignmentState> { [target] = AssignmentState.Ready }, await States("m", 0, source, target));
        Assert.Empty(await _store.ListPendingMovesAsync());
        await Round(expected: null);
    }

    [Fact]
    public async Task A_move_the_planner_cannot_make_is_given_up()
    {
        await Nodes("a", "b");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 1, 1));
        await Settle();
        var source = (await Replicas("m", 0)).Single().Node;
        var target = source == "a" ? "b" : "a";
        Assert.Equal(MoveRequestOutcome.Requested, await _store.RequestMoveAsync("m", 0, source, target));
        // The target starts draining before the controller gets to the move.
        Assert.True(await _store.SetDrainingAsync(target, true));
        var (_, plan) = await PlacementController.RunOnceAsync(_store, _lease, CancellationToken.None);
        Assert.Contains(plan.Notes, n => n.Contains("dropped", StringComparison.Ordinal));
        Assert.Empty(await _store.ListPendingMovesAsync());
        Assert.Equal(source, (await Replicas("m", 0)).Single().Node);
    }

    [Fact]
    public async Task Draining_a_node_empties_it_make_before_break()
    {
        await Nodes("a", "b", "c");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 6, 1));
        await Settle();
        Assert.Equal(2, (await _store.ListAssignmentsAsync()).Count(r => r.Node == "b"));

        Assert.True(await _store.SetDrainingAsync("b", true));
        // The first round only adds replacements; b's replicas keep serving until those are Ready.
        await Round(expected: PlacementOutcome.Applied);
        var first = await _store.ListAssignmentsAsync();
        Assert.Equal(2, first.Count(r => r.Node == "b" && r.State == AssignmentState.Ready));
        Assert.Equal(2, first.Count(r => r.State == AssignmentState.Loading));
        await Settle();
        var after = await _store.ListAssignmentsAsync();
        Assert.DoesNotContain(after, r => r.Node == "b");
        Assert.Equal(6, after.Count);
        Assert.Equal([3, 3], after.GroupBy(r => r.Node).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Count()));
    }

    [Fact]
    public async Task A_rebalance_moves_replicas_to_an_empty_node_and_the_request_clears()
    {
        await Nodes("a", "b");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 6, 1));
        await Settle();
        await Nodes("c");
        // Without a request a new node stays empty.
        await Settle();
        Assert.DoesNotContain(await _store.ListAssignmentsAsync(), r => r.Node == "c");

        await _store.RequestRebalanceAsync();
        await Settle();
        Assert.Null(await _store.GetRebalanceRequestAsync());
        var counts = (await _store.ListAssignmentsAsync()).GroupBy(r => r.Node).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, counts["a"]);
        Assert.Equal(2, counts["b"]);
        Assert.Equal(2, counts["c"]);
    }

    [Fact]
    public async Task A_rebalance_requested_while_a_round_reads_the_cluster_is_carried_out_not_cleared_on_the_old_nodes()
    {
        await Nodes("a");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 4, 1));
        await Settle();
        // The operator registers node b and asks for a rebalance just after this round has read the nodes.
        var racing = StoreWithHookAfterListNodes.Wrap(_store, async () =>
        {
            await Nodes("b");
            await _store.RequestRebalanceAsync();
        });
        await PlacementController.RunOnceAsync(racing, _lease, CancellationToken.None);
        Assert.NotNull(await _store.GetRebalanceRequestAsync());

        await Settle();
        Assert.Null(await _store.GetRebalanceRequestAsync());
        var counts = (await _store.ListAssignmentsAsync()).GroupBy(r => r.Node).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, counts["a"]);
        Assert.Equal(2, counts["b"]);
    }

    [Fact]
    public async Task A_move_to_a_node_registered_while_a_round_reads_the_cluster_is_made_not_given_up()
    {
        await Nodes("a");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 1, 1));
        await Settle();
        var racing = StoreWithHookAfterListNodes.Wrap(_store, async () =>
        {
            await Nodes("b");
            Assert.Equal(MoveRequestOutcome.Requested, await _store.RequestMoveAsync("m", 0, "a", "b"));
        });
        await PlacementController.RunOnceAsync(racing, _lease, CancellationToken.None);
        Assert.Single(await _store.ListPendingMovesAsync());

        await Settle();
        Assert.Empty(await _store.ListPendingMovesAsync());
        Assert.Equal("b", (await Replicas("m", 0)).Single().Node);
    }

    [Fact]
    public async Task A_deposed_controller_writes_nothing()
    {
        await Nodes("a", "b");
        Assert.True(await _store.CreateMemoryAsync("m", "{}", 2, 1));
        await Settle();
        var source = (await Replicas("m", 0)).Single().Node;
        Assert.Equal(MoveRequestOutcome.Requested, await _store.RequestMoveAsync("m", 0, source, source == "a" ? "b" : "a"));
        await _store.RequestRebalanceAsync();
        Assert.True(await _store.ReleaseControllerAsync("ctl"));
        Assert.NotNull(await _store.TryAcquireControllerAsync("usurper", Lease));
        var before = await _store.ListAssignmentsAsync();

        var (outcome, plan) = await PlacementController.RunOnceAsync(_store, _lease, CancellationToken.None);
        Assert.Equal(PlacementOutcome.NotController, outcome);
        Assert.NotEmpty(plan.Steps);
        Assert.Equal(before, await _store.ListAssignmentsAsync());
        Assert.Single(await _store.ListPendingMovesAsync());
        Assert.NotNull(await _store.GetRebalanceRequestAsync());
    }

    private async Task Nodes(params string[] names)
    {
        foreach (var name in names)
        {
            await _store.RegisterNodeAsync(name, "http://" + name, NodeRoles.ShardHost, Lease);
        }
    }

    /// <summary>Runs rounds, playing hosts that load at once, until a round changes nothing; every shard keeps a Ready replica throughout.</summary>
    private async Task Settle()
    {
        for (var round = 0; round < 50; round++)
        {
            var (outcome, _) = await PlacementController.RunOnceAsync(_store, _lease, CancellationToken.None);
            Assert.True(outcome is null or PlacementOutcome.Applied, $"round {round}: {outcome}");
            await AssertEveryShardServed();
            var loading = await ReportReady();
            if (outcome is null && loading == 0 && await _store.GetRebalanceRequestAsync() is null && (await _store.ListPendingMovesAsync()).Count == 0)
            {
                return;
            }
        }
        Assert.Fail("placement did not settle in 50 rounds");
    }

    private async Task AssertEveryShardServed()
    {
        foreach (var memory in await _store.ListMemoriesAsync())
        {
            var assignments = await _store.ListAssignmentsAsync(memory.Name);
            for (var shard = 0; shard < memory.Shards; shard++)
            {
                // Right after creation nothing is Ready yet; from then on make-before-break keeps one serving.
                var replicas = assignments.Where(a => a.Shard == shard).ToList();
                Assert.True(replicas.Count == 0 || replicas.All(r => r.State == AssignmentState.Loading) || replicas.Exists(r => r.State == AssignmentState.Ready),
                    $"{memory.Name}/{shard} has no Ready replica: {string.Join(", ", replicas)}");
            }
        }
    }

    private async Task Round(PlacementOutcome? expected)
    {
        var (outcome, plan) = await PlacementController.RunOnceAsync(_store, _lease, CancellationToken.None);
        Assert.True(outcome == expected, $"expected {expected?.ToString() ?? "no steps"}, got {outcome?.ToString() ?? "no steps"}: {string.Join("; ", plan.Steps)}");
    }

    /// <summary>Every Loading replica becomes Ready, as its host would report; returns how many.</summary>
    private async Task<int> ReportReady()
    {
        var loading = (await _store.ListAssignmentsAsync()).Where(a => a.State == AssignmentState.Loading).ToList();
        foreach (var a in loading)
        {
            Assert.True(await _store.ReportReadyAsync(a.Memory, a.Shard, a.Node, a.Epoch));
        }
        return loading.Count;
    }

    private async Task<List<AssignmentRecord>> Replicas(string memory, int shard) =>
        [.. (await _store.ListAssignmentsAsync(memory)).Where(a => a.Shard == shard)];

    private async Task<Dictionary<string, AssignmentState>> States(string memory, int shard, params string[] nodes) =>
        (await Replicas(memory, shard)).Where(a => nodes.Contains(a.Node)).ToDictionary(a => a.Node, a => a.State);
}
