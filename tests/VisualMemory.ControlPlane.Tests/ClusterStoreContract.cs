using VisualMemory.ControlPlane;

namespace VisualMemory.ControlPlane.Tests;

/// <summary>
/// The behaviour every <see cref="IClusterStore"/> must have, run against each real database (the
/// subclasses). Each test gets an empty, migrated store of its own.
/// </summary>
public abstract partial class ClusterStoreContract : IAsyncLifetime
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan PastShortLease = TimeSpan.FromMilliseconds(700);

    private readonly List<IClusterStore> _stores = [];

    /// <summary>The store under test, migrated.</summary>
    protected IClusterStore Store { get; private set; } = null!;

    /// <summary>A fresh store on an empty database of its own.</summary>
    protected abstract Task<IClusterStore> CreateStoreAsync();

    /// <summary>A fresh store on an empty database of its own on which schema versions 1 to <paramref name="version"/> were created by hand with those versions' SQL (not migrated further).</summary>
    protected abstract Task<IClusterStore> CreateStoreAtVersionAsync(int version);

    /// <summary>Another store on the same database as <see cref="Store"/> (as a second node, or a second process, would open).</summary>
    protected abstract IClusterStore OpenSameDatabase();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        _stores.Add(Store);
        await Store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    protected IClusterStore Another()
    {
        var store = OpenSameDatabase();
        _stores.Add(store);
        return store;
    }

    [Fact]
    public async Task Migrations_are_idempotent_and_keep_the_data()
    {
        await Store.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, LongLease);
        await Store.MigrateAsync();
        var others = Enumerable.Range(0, 4).Select(_ => Another()).ToList();
        await Task.WhenAll(others.Select(other => Task.Run(() => other.MigrateAsync())));
        var nodes = await Store.ListNodesAsync();
        Assert.Equal("n1", Assert.Single(nodes).Name);
        // The controller's single row was not inserted twice.
        Assert.NotNull(await Store.TryAcquireControllerAsync("n1", LongLease));
    }

    [Fact]
    public async Task Register_lists_the_node_alive_with_its_roles()
    {
        var roles = NodeRoles.Coordinator | NodeRoles.ShardHost;
        var registered = await Store.RegisterNodeAsync("n1", "http://10.0.0.1:5000", roles, LongLease);
        Assert.Equal("n1", registered.Name);
        Assert.Equal("http://10.0.0.1:5000", registered.Address);
        Assert.Equal(roles, registered.Roles);
        Assert.True(registered.Alive);
        Assert.False(registered.Draining);
        Assert.Equal(0, registered.BytesHosted);
        Assert.True(registered.LeaseExpiresAt > registered.LastHeartbeatAt);

        await Store.RegisterNodeAsync("n0", "http://10.0.0.2:5000", NodeRoles.EmbeddingWorker, LongLease);
        var nodes = await Store.ListNodesAsync();
        Assert.Equal(["n0", "n1"], nodes.Select(n => n.Name));
        Assert.Equal(registered, nodes[1]);
    }

    [Fact]
    public async Task Registering_again_updates_address_and_roles_and_renews_the_lease()
    {
        var first = await Store.RegisterNodeAsync("n1", "http://old", NodeRoles.ShardHost, ShortLease);
        await Task.Delay(50);
        var second = await Store.RegisterNodeAsync("n1", "http://new", NodeRoles.Coordinator, LongLease);
        Assert.Equal("http://new", second.Address);
        Assert.Equal(NodeRoles.Coordinator, second.Roles);
        Assert.True(second.LeaseExpiresAt > first.LeaseExpiresAt);
        await Task.Delay(PastShortLease);
        var node = Assert.Single(await Store.ListNodesAsync());
        Assert.True(node.Alive);
        Assert.Equal("http://new", node.Address);
    }

    [Fact]
    public async Task Heartbeat_renews_the_lease_and_records_bytes_hosted()
    {
        Assert.False(await Store.HeartbeatAsync("nobody", LongLease, 1));
        var registered = await Store.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, ShortLease);
        Assert.True(await Store.HeartbeatAsync("n1", LongLease, 123_456));
        await Task.Delay(PastShortLease);
        var node = Assert.Single(await Store.ListNodesAsync());
        Assert.True(node.Alive);
        Assert.Equal(123_456, node.BytesHosted);
        Assert.True(node.LastHeartbeatAt > registered.LastHeartbeatAt);
        Assert.True(node.LeaseExpiresAt > registered.LeaseExpiresAt);
    }

    [Fact]
    public async Task An_expired_lease_makes_the_node_dead_once_and_refuses_its_heartbeat_until_it_registers_again()
    {
        await Store.RegisterNodeAsync("short", "http://short", NodeRoles.ShardHost, ShortLease);
        await Store.RegisterNodeAsync("long", "http://long", NodeRoles.ShardHost, LongLease);
        Assert.Empty(await Store.DeclareDeadNodesAsync());

        await Task.Delay(PastShortLease);
        var nodes = await Store.ListNodesAsync();
        Assert.False(nodes.Single(n => n.Name == "short").Alive);
        Assert.True(nodes.Single(n => n.Name == "long").Alive);

        Assert.Equal(["short"], await Store.DeclareDeadNodesAsync());
        Assert.Empty(await Store.DeclareDeadNodesAsync());
        Assert.False(await Store.HeartbeatAsync("short", LongLease, 0));
        Assert.False((await Store.ListNodesAsync()).Single(n => n.Name == "short").Alive);

        // Registering again (after reloading) is the way back.
        var back = await Store.RegisterNodeAsync("short", "http://short", NodeRoles.ShardHost, LongLease);
        Assert.True(back.Alive);
        Assert.True(await Store.HeartbeatAsync("short", LongLease, 0));
    }

    [Fact]
    public async Task Draining_is_set_and_cleared()
    {
        Assert.False(await Store.SetDrainingAsync("nobody", true));
        await Store.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, LongLease);
        Assert.True(await Store.SetDrainingAsync("n1", true));
        Assert.True(Assert.Single(await Store.ListNodesAsync()).Draining);
        Assert.True(await Store.SetDrainingAsync("n1", false));
        Assert.False(Assert.Single(await Store.ListNodesAsync()).Draining);
    }

    [Fact]
    public async Task The_controller_lease_is_taken_renewed_refused_and_released()
    {
        Assert.Null(await Store.GetControllerAsync());
        var taken = await Store.TryAcquireControllerAsync("a", LongLease);
        Assert.NotNull(taken);
        Assert.Equal("a", taken.Holder);

        var renewed = await Store.TryAcquireControllerAsync("a", LongLease);
        Assert.NotNull(renewed);
        Assert.Equal(taken.Epoch, renewed.Epoch);
        Assert.True(renewed.ExpiresAt >= taken.ExpiresAt);

        Assert.Null(await Store.TryAcquireControllerAsync("b", LongLease));
        Assert.Equal(renewed, await Store.GetControllerAsync());

        Assert.False(await Store.ReleaseControllerAsync("b"));
        Assert.True(await Store.ReleaseControllerAsync("a"));
        Assert.Null(await Store.GetControllerAsync());

        var next = await Store.TryAcquireControllerAsync("b", LongLease);
        Assert.NotNull(next);
        Assert.Equal(taken.Epoch + 1, next.Epoch);
    }

    [Fact]
    public async Task An_expired_controller_lease_goes_to_another_node_with_a_new_epoch()
    {
        var first = await Store.TryAcquireControllerAsync("a", ShortLease);
        Assert.NotNull(first);
        await Task.Delay(PastShortLease);
        Assert.Null(await Store.GetControllerAsync());
        var second = await Store.TryAcquireControllerAsync("b", LongLease);
        Assert.NotNull(second);
        Assert.Equal(first.Epoch + 1, second.Epoch);
        Assert.Null(await Store.TryAcquireControllerAsync("a", LongLease));
    }

    [Fact]
    public async Task Sixteen_concurrent_candidates_yield_exactly_one_controller()
    {
        // Half the candidates share the test's store (one connection pool), half open stores of their own.
        var stores = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? Store : Another()).ToList();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = stores.Select((store, i) => Task.Run(async () =>
        {
            await start.Task;
            return await store.TryAcquireControllerAsync($"candidate-{i}", LongLease);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(attempts);

        var winner = Assert.Single(results, r => r is not null);
        Assert.Equal(1, winner!.Epoch);
        Assert.Equal(winner, await Store.GetControllerAsync());
    }

    [Fact]
    public async Task Memories_are_created_once_listed_and_dropped()
    {
        const string definition = """{"dimension":512,"index":"Flat"}""";
        Assert.True(await Store.CreateMemoryAsync("photos", definition, 4, 2));
        Assert.False(await Store.CreateMemoryAsync("photos", "{}", 1, 1));
        Assert.True(await Store.CreateMemoryAsync("art", "{}", 1, 1));

        var memories = await Store.ListMemoriesAsync();
        Assert.Equal(["art", "photos"], memories.Select(m => m.Name));
        var photos = memories[1];
        Assert.Equal(definition, photos.DefinitionJson);
        Assert.Equal(4, photos.Shards);
        Assert.Equal(2, photos.ReplicationFactor);

        Assert.True(await Store.DropMemoryAsync("photos"));
        Assert.False(await Store.DropMemoryAsync("photos"));
        Assert.Equal(["art"], (await Store.ListMemoriesAsync()).Select(m => m.Name));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.CreateMemoryAsync("x", "{}", 0, 1));
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => Store.CreateMemoryAsync("x", "not json", 1, 1));
    }

    [Fact]
    public async Task Placement_adds_drains_and_removes_replicas_and_bumps_the_shard_epoch()
    {
        var controller = await SetUpAsync();
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 0, "n2"), PlacementChange.Add("m", 1, "n1")]));

        var assignments = await Store.ListAssignmentsAsync("m");
        Assert.Equal(
            [("m", 0, "n1", AssignmentState.Loading, 1L), ("m", 0, "n2", AssignmentState.Loading, 2L), ("m", 1, "n1", AssignmentState.Loading, 1L)],
            assignments.Select(a => (a.Memory, a.Shard, a.Node, a.State, a.Epoch)));

        Assert.True(await Store.ReportReadyAsync("m", 0, "n1", 1));
        Assert.False(await Store.ReportReadyAsync("m", 0, "n1", 1)); // already Ready

        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.MarkDraining("m", 0, "n1"), PlacementChange.Remove("m", 1, "n1")]));
        assignments = await Store.ListAssignmentsAsync();
        Assert.Equal(
            [("m", 0, "n1", AssignmentState.Draining, 3L), ("m", 0, "n2", AssignmentState.Loading, 2L)],
            assignments.Select(a => (a.Memory, a.Shard, a.Node, a.State, a.Epoch)));

        // A Remove or MarkDraining of a replica that is not there means the plan is stale.
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Remove("m", 1, "n1")]));
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.MarkDraining("m", 1, "n2")]));
        // Unknown memory, shard out of range, unknown node.
        Assert.Equal(PlacementOutcome.Invalid, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("nope", 0, "n1")]));
        Assert.Equal(PlacementOutcome.Invalid, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 2, "n1")]));
        Assert.Equal(PlacementOutcome.Invalid, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 1, "ghost")]));
        Assert.Equal(assignments, await Store.ListAssignmentsAsync());
    }

    [Fact]
    public async Task A_deposed_controller_cannot_write_placement()
    {
        var state = await SetUpAsync(controllerLease: ShortLease);
        await Task.Delay(PastShortLease);
        var usurper = await Store.TryAcquireControllerAsync("d", LongLease);
        Assert.NotNull(usurper);

        Assert.Equal(PlacementOutcome.NotController, await Store.ApplyPlacementAsync("c", state.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        // Re-acquiring gets nothing while the usurper holds the lease, and an old epoch never passes.
        Assert.Null(await Store.TryAcquireControllerAsync("c", LongLease));
        Assert.Equal(PlacementOutcome.NotController, await Store.ApplyPlacementAsync("d", state.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        Assert.Empty(await Store.ListAssignmentsAsync());

        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("d", usurper.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        // The usurper's write did not bump the epoch of the refused attempts: this is the first change of shard 0.
        Assert.Equal(1, Assert.Single(await Store.ListAssignmentsAsync()).Epoch);
    }

    [Fact]
    public async Task Two_replicas_of_one_shard_on_one_node_are_refused_and_nothing_of_the_batch_is_applied()
    {
        var controller = await SetUpAsync();
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 1, "n2"), PlacementChange.Add("m", 0, "n1")]));
        Assert.Empty(await Store.ListAssignmentsAsync());

        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 1, "n1"), PlacementChange.Add("m", 0, "n1")]));
        var only = Assert.Single(await Store.ListAssignmentsAsync());
        Assert.Equal(("m", 0, "n1", 1L), (only.Memory, only.Shard, only.Node, only.Epoch));
    }

    [Fact]
    public async Task A_ready_report_with_a_stale_epoch_is_ignored()
    {
        var controller = await SetUpAsync();
        await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]);
        var first = Assert.Single(await Store.ListAssignmentsAsync("m"));
        // The replica is taken away and placed again while the node was still loading the first time.
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Remove("m", 0, "n1")]));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        var second = Assert.Single(await Store.ListAssignmentsAsync("m"));
        Assert.True(second.Epoch > first.Epoch);

        Assert.False(await Store.ReportReadyAsync("m", 0, "n1", first.Epoch));
        Assert.Equal(AssignmentState.Loading, Assert.Single(await Store.ListAssignmentsAsync("m")).State);
        Assert.False(await Store.ReportReadyAsync("m", 0, "n2", second.Epoch));
        Assert.True(await Store.ReportReadyAsync("m", 0, "n1", second.Epoch));
        Assert.Equal(AssignmentState.Ready, Assert.Single(await Store.ListAssignmentsAsync("m")).State);
    }

    [Fact]
    public async Task Dropping_a_memory_removes_its_assignments_only()
    {
        var controller = await SetUpAsync();
        Assert.True(await Store.CreateMemoryAsync("other", "{}", 1, 1));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 1, "n2"), PlacementChange.Add("other", 0, "n1")]));
        Assert.True(await Store.DropMemoryAsync("m"));
        Assert.Empty(await Store.ListAssignmentsAsync("m"));
        Assert.Equal("other", Assert.Single(await Store.ListAssignmentsAsync()).Memory);

        // A memory created again under the same name starts with no replicas and fresh epochs.
        Assert.True(await Store.CreateMemoryAsync("m", "{}", 2, 1));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        Assert.Equal(1, Assert.Single(await Store.ListAssignmentsAsync("m")).Epoch);
    }

    [Fact]
    public async Task State_written_through_one_store_is_seen_through_another()
    {
        var controller = await SetUpAsync();
        var other = Another();
        Assert.Equal(["n1", "n2"], (await other.ListNodesAsync()).Select(n => n.Name));
        Assert.Equal(controller, await other.GetControllerAsync());
        Assert.Equal(PlacementOutcome.Applied, await other.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        Assert.Single(await Store.ListAssignmentsAsync("m"));
    }

    [Fact]
    public async Task Shards_are_listed_with_no_primary_after_create()
    {
        Assert.True(await Store.CreateMemoryAsync("m", "{}", 2, 2));
        Assert.True(await Store.CreateMemoryAsync("other", "{}", 1, 1));
        Assert.Equal(
            [new ShardRecord("m", 0, 0, null, 0), new ShardRecord("m", 1, 0, null, 0), new ShardRecord("other", 0, 0, null, 0)],
            await Store.ListShardsAsync());
        Assert.Equal(["other"], (await Store.ListShardsAsync("other")).Select(s => s.Memory));
        Assert.Empty(await Store.ListShardsAsync("nope"));
        // Migrating again (twice) leaves the new columns and their values alone.
        await Store.MigrateAsync();
        await Another().MigrateAsync();
        Assert.Equal(3, (await Store.ListShardsAsync()).Count);
        Assert.True(await Store.DropMemoryAsync("m"));
        Assert.Equal([new ShardRecord("other", 0, 0, null, 0)], await Store.ListShardsAsync());
    }

    [Fact]
    public async Task Only_the_primary_reports_a_shards_stored_size()
    {
        var (_, term) = await PrimaryOnN1Async();
        Assert.False(await Store.ReportShardSizeAsync("m", 0, "n2", 999));
        Assert.False(await Store.ReportShardSizeAsync("m", 1, "n1", 999));
        Assert.True(await Store.ReportShardSizeAsync("m", 0, "n1", 12345));
        var shard = (await Store.ListShardsAsync("m"))[0];
        Assert.Equal(("n1", term, 12345L), (shard.PrimaryNode, shard.PrimaryTerm, shard.StoredBytes));
        Assert.Equal(0, (await Store.ListShardsAsync("m"))[1].StoredBytes);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ReportShardSizeAsync("m", 0, "n1", -1));
    }

    [Fact]
    public async Task SetPrimary_on_a_ready_replica_sets_the_primary_with_the_new_epoch_as_term()
    {
        var controller = await SetUpAsync();
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 0, "n2")]));
        Assert.True(await Store.ReportReadyAsync("m", 0, "n1", 1));
        var assignments = await Store.ListAssignmentsAsync();

        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n1")]));
        Assert.Equal([new ShardRecord("m", 0, 3, "n1", 3), new ShardRecord("m", 1, 0, null, 0)], await Store.ListShardsAsync("m"));
        // The assignments themselves keep their epochs: a pending Ready report of another replica still counts.
        Assert.Equal(assignments, await Store.ListAssignmentsAsync());

        Assert.True(await Store.ReportReadyAsync("m", 0, "n2", 2));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n2")]));
        Assert.Equal(new ShardRecord("m", 0, 4, "n2", 4), (await Store.ListShardsAsync("m"))[0]);
    }

    [Fact]
    public async Task SetPrimary_without_a_ready_replica_on_the_node_is_a_conflict_and_writes_nothing()
    {
        var controller = await SetUpAsync();
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 0, "n2")]));
        Assert.True(await Store.ReportReadyAsync("m", 0, "n1", 1));
        var shards = await Store.ListShardsAsync();
        var assignments = await Store.ListAssignmentsAsync();

        // n2 is Loading; shard 1 has no replica at all; the good first change goes with the bad second one.
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n2")]));
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 1, "n1")]));
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.SetPrimary("m", 0, "n1"), PlacementChange.SetPrimary("m", 0, "n2")]));
        // A replica added in the same batch is Loading, so it cannot be made primary yet.
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 1, "n1"), PlacementChange.SetPrimary("m", 1, "n1")]));
        // A Draining replica no longer qualifies.
        Assert.Equal(PlacementOutcome.Conflict, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.MarkDraining("m", 0, "n1"), PlacementChange.SetPrimary("m", 0, "n1")]));
        Assert.Equal(PlacementOutcome.Invalid, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("nope", 0, "n1")]));
        Assert.Equal(shards, await Store.ListShardsAsync());
        Assert.Equal(assignments, await Store.ListAssignmentsAsync());
    }

    [Fact]
    public async Task Demoting_a_replica_in_the_primary_s_term_makes_it_Loading_at_a_new_epoch()
    {
        var (_, term) = await PrimaryOnN1Async();
        // n2 has not reported Ready yet: its report (epoch 2) is in flight when the primary demotes it.
        Assert.True(await Store.DemoteReplicaAsync("m", 0, "n2", "n1", term));
        var shard = (await Store.ListShardsAsync("m"))[0];
        Assert.Equal(new ShardRecord("m", 0, term + 1, "n1", term), shard);
        var n2 = (await Store.ListAssignmentsAsync("m")).Single(a => a.Node == "n2");
        Assert.Equal((AssignmentState.Loading, term + 1), (n2.State, n2.Epoch));
        Assert.False(await Store.ReportReadyAsync("m", 0, "n2", 2));
        Assert.True(await Store.ReportReadyAsync("m", 0, "n2", n2.Epoch));

        // A Ready replica is demoted too, and must report Ready again with the newer epoch.
        Assert.True(await Store.DemoteReplicaAsync("m", 0, "n2", "n1", term));
        n2 = (await Store.ListAssignmentsAsync("m")).Single(a => a.Node == "n2");
        Assert.Equal((AssignmentState.Loading, term + 2), (n2.State, n2.Epoch));
        Assert.False(await Store.ReportReadyAsync("m", 0, "n2", term + 1));
    }

    [Fact]
    public async Task Demoting_with_a_stale_term_a_wrong_primary_or_no_replica_changes_nothing()
    {
        var (controller, term) = await PrimaryOnN1Async();
        var shards = await Store.ListShardsAsync();
        var assignments = await Store.ListAssignmentsAsync();

        Assert.False(await Store.DemoteReplicaAsync("m", 0, "n2", "n1", term - 1));
        Assert.False(await Store.DemoteReplicaAsync("m", 0, "n2", "n2", term));
        Assert.False(await Store.DemoteReplicaAsync("m", 1, "n2", "n1", term)); // shard 1 has no primary
        Assert.False(await Store.DemoteReplicaAsync("m", 0, "ghost", "n1", term)); // no such replica: the epoch bump is rolled back
        Assert.False(await Store.DemoteReplicaAsync("nope", 0, "n2", "n1", term));
        Assert.Equal(shards, await Store.ListShardsAsync());
        Assert.Equal(assignments, await Store.ListAssignmentsAsync());

        // Once a new primary is set (a higher term), the old one's demotions are refused.
        Assert.True(await Store.ReportReadyAsync("m", 0, "n2", 2));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n2")]));
        Assert.False(await Store.DemoteReplicaAsync("m", 0, "n1", "n1", term));
        Assert.Equal(AssignmentState.Ready, (await Store.ListAssignmentsAsync("m")).Single(a => a.Node == "n1").State);
    }

    [Fact]
    public async Task Demoting_a_draining_replica_changes_nothing()
    {
        var (controller, term) = await PrimaryOnN1Async();
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.MarkDraining("m", 0, "n2")]));
        var shards = await Store.ListShardsAsync();
        var assignments = await Store.ListAssignmentsAsync();
        Assert.False(await Store.DemoteReplicaAsync("m", 0, "n2", "n1", term));
        Assert.Equal(shards, await Store.ListShardsAsync());
        Assert.Equal(assignments, await Store.ListAssignmentsAsync());
    }

    [Fact]
    public async Task A_version_1_store_migrates_to_version_2_keeping_its_rows()
    {
        var old = await CreateStoreAtVersionAsync(1);
        _stores.Add(old);
        // Everything version 1 offered works on the version 1 tables.
        await old.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, LongLease);
        Assert.True(await old.CreateMemoryAsync("m", "{}", 2, 1));
        var controller = await old.TryAcquireControllerAsync("c", LongLease);
        Assert.NotNull(controller);
        Assert.Equal(PlacementOutcome.Applied, await old.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 1, "n1")]));
        Assert.True(await old.ReportReadyAsync("m", 0, "n1", 1));
        var assignments = await old.ListAssignmentsAsync();

        await old.MigrateAsync();
        await old.MigrateAsync();
        Assert.Equal("n1", Assert.Single(await old.ListNodesAsync()).Name);
        Assert.Equal(controller, await old.GetControllerAsync());
        Assert.Equal(assignments, await old.ListAssignmentsAsync());
        Assert.Equal([new ShardRecord("m", 0, 1, null, 0), new ShardRecord("m", 1, 1, null, 0)], await old.ListShardsAsync());
        Assert.Equal(PlacementOutcome.Applied, await old.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n1")]));
        Assert.Equal(new ShardRecord("m", 0, 2, "n1", 2), (await old.ListShardsAsync("m"))[0]);
    }

    [Fact]
    public async Task A_move_is_requested_once_per_replica_and_listed_until_completed()
    {
        var controller = await SetUpAsync();
        await Store.RegisterNodeAsync("n3", "http://n3", NodeRoles.ShardHost, LongLease);
        Assert.Empty(await Store.ListPendingMovesAsync());

        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 1, "n2", "n3"));
        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 0, "n1", "n3"));
        // The same replica (memory, shard, source) cannot have two moves pending, whatever the target.
        Assert.Equal(MoveRequestOutcome.Duplicate, await Store.RequestMoveAsync("m", 0, "n1", "n2"));
        var moves = await Store.ListPendingMovesAsync();
        Assert.Equal([("m", 0, "n1", "n3"), ("m", 1, "n2", "n3")], moves.Select(m => (m.Memory, m.Shard, m.FromNode, m.ToNode)));
        Assert.All(moves, m => Assert.True(m.RequestedAt > DateTimeOffset.UtcNow.AddMinutes(-5) && m.RequestedAt < DateTimeOffset.UtcNow.AddMinutes(5)));
        // Another node (after a failover, say) reads the same requests.
        Assert.Equal(moves, await Another().ListPendingMovesAsync());

        Assert.Equal(PlacementOutcome.Applied, await Store.CompleteMoveAsync("c", controller.Epoch, "m", 0, "n1"));
        Assert.Equal(PlacementOutcome.Conflict, await Store.CompleteMoveAsync("c", controller.Epoch, "m", 0, "n1"));
        var left = Assert.Single(await Store.ListPendingMovesAsync());
        Assert.Equal(("m", 1, "n2"), (left.Memory, left.Shard, left.FromNode));
        // Once retired, the replica can be moved again.
        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 0, "n1", "n2"));
    }

    [Fact]
    public async Task A_move_of_an_unknown_memory_shard_or_node_is_refused()
    {
        await SetUpAsync();
        Assert.Equal(MoveRequestOutcome.Invalid, await Store.RequestMoveAsync("nope", 0, "n1", "n2"));
        Assert.Equal(MoveRequestOutcome.Invalid, await Store.RequestMoveAsync("m", 2, "n1", "n2"));
        Assert.Equal(MoveRequestOutcome.Invalid, await Store.RequestMoveAsync("m", 0, "ghost", "n2"));
        Assert.Equal(MoveRequestOutcome.Invalid, await Store.RequestMoveAsync("m", 0, "n1", "ghost"));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RequestMoveAsync("m", 0, "n1", "n1"));
        Assert.Empty(await Store.ListPendingMovesAsync());
    }

    [Fact]
    public async Task A_move_can_be_cancelled_and_goes_with_its_memory()
    {
        await SetUpAsync();
        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 0, "n1", "n2"));
        Assert.True(await Store.CancelMoveAsync("m", 0, "n1"));
        Assert.False(await Store.CancelMoveAsync("m", 0, "n1"));
        Assert.Empty(await Store.ListPendingMovesAsync());

        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 1, "n1", "n2"));
        Assert.True(await Store.DropMemoryAsync("m"));
        Assert.Empty(await Store.ListPendingMovesAsync());
    }

    [Fact]
    public async Task A_deposed_controller_cannot_retire_requests()
    {
        var state = await SetUpAsync(controllerLease: ShortLease);
        Assert.Equal(MoveRequestOutcome.Requested, await Store.RequestMoveAsync("m", 0, "n1", "n2"));
        var requestedAt = await Store.RequestRebalanceAsync();
        await Task.Delay(PastShortLease);
        var usurper = await Store.TryAcquireControllerAsync("d", LongLease);
        Assert.NotNull(usurper);

        Assert.Equal(PlacementOutcome.NotController, await Store.CompleteMoveAsync("c", state.Epoch, "m", 0, "n1"));
        Assert.Equal(PlacementOutcome.NotController, await Store.ClearRebalanceAsync("c", state.Epoch, requestedAt));
        Assert.Single(await Store.ListPendingMovesAsync());
        Assert.NotNull(await Store.GetRebalanceRequestAsync());

        Assert.Equal(PlacementOutcome.Applied, await Store.CompleteMoveAsync("d", usurper.Epoch, "m", 0, "n1"));
        Assert.Equal(PlacementOutcome.Applied, await Store.ClearRebalanceAsync("d", usurper.Epoch, requestedAt));
        Assert.Empty(await Store.ListPendingMovesAsync());
        Assert.Null(await Store.GetRebalanceRequestAsync());
    }

    [Fact]
    public async Task A_rebalance_request_is_kept_once_read_and_cleared_by_the_controller()
    {
        var controller = await SetUpAsync();
        Assert.Null(await Store.GetRebalanceRequestAsync());
        var first = await Store.RequestRebalanceAsync();
        // Asking again while one is pending keeps the first request.
        Assert.Equal(first, await Store.RequestRebalanceAsync());
        Assert.Equal(first, await Store.GetRebalanceRequestAsync());
        Assert.Equal(first, await Another().GetRebalanceRequestAsync());

        Assert.Equal(PlacementOutcome.Applied, await Store.ClearRebalanceAsync("c", controller.Epoch, first));
        Assert.Null(await Store.GetRebalanceRequestAsync());
        // Clearing when nothing is pending is not an error.
        Assert.Equal(PlacementOutcome.Applied, await Store.ClearRebalanceAsync("c", controller.Epoch, first));
        await Task.Delay(5);
        var again = await Store.RequestRebalanceAsync();
        Assert.True(again > first);
        Assert.Equal(again, await Store.GetRebalanceRequestAsync());
        // A controller that planned on the first request must not clear the one made since.
        Assert.Equal(PlacementOutcome.Applied, await Store.ClearRebalanceAsync("c", controller.Epoch, first));
        Assert.Equal(again, await Store.GetRebalanceRequestAsync());
        Assert.Equal(PlacementOutcome.Applied, await Store.ClearRebalanceAsync("c", controller.Epoch, again));
        Assert.Null(await Store.GetRebalanceRequestAsync());
    }

    /// <summary>Two shard hosts, a memory "m" of two shards, and node "c" as controller.</summary>
    private async Task<ControllerLease> SetUpAsync(TimeSpan? controllerLease = null)
    {
        await Store.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, LongLease);
        await Store.RegisterNodeAsync("n2", "http://n2", NodeRoles.ShardHost, LongLease);
        Assert.True(await Store.CreateMemoryAsync("m", "{}", 2, 2));
        var lease = await Store.TryAcquireControllerAsync("c", controllerLease ?? LongLease);
        Assert.NotNull(lease);
        return lease;
    }

    /// <summary><see cref="SetUpAsync"/>, then shard 0 of "m" on n1 (Ready, primary) and n2 (Loading, epoch 2); returns the controller and n1's term.</summary>
    private async Task<(ControllerLease Controller, long Term)> PrimaryOnN1Async()
    {
        var controller = await SetUpAsync();
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch,
            [PlacementChange.Add("m", 0, "n1"), PlacementChange.Add("m", 0, "n2")]));
        Assert.True(await Store.ReportReadyAsync("m", 0, "n1", 1));
        Assert.Equal(PlacementOutcome.Applied, await Store.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n1")]));
        var shard = (await Store.ListShardsAsync("m"))[0];
        Assert.Equal("n1", shard.PrimaryNode);
        return (controller, shard.PrimaryTerm);
    }
}
