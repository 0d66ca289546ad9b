using VisualMemory.ControlPlane;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>The controller round elects shard primaries in the same batch as placement, against a real SQLite store.</summary>
public sealed class PrimaryElectionControllerTests : IDisposable
{
    private static readonly TimeSpan NodeLease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LongLease = TimeSpan.FromDays(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("vm-primary-").FullName;
    private readonly ManualClock _clock = new();

    [Fact]
    public async Task A_primary_is_elected_replaced_when_its_node_dies_and_kept_when_no_replica_is_ready()
    {
        await using var store = new SqliteClusterStore(Path.Combine(_directory, "cluster.db"), _clock);
        await store.MigrateAsync();
        await store.RegisterNodeAsync("a", "http://a", NodeRoles.ShardHost, NodeLease);
        // b outlives a by one lease, so a can die alone first.
        await store.RegisterNodeAsync("b", "http://b", NodeRoles.ShardHost, NodeLease * 2);
        Assert.True(await store.CreateMemoryAsync("m", "{}", 1, 2));
        var lease = await store.TryAcquireControllerAsync("c", LongLease);
        Assert.NotNull(lease);

        // First round places both replicas; nothing is Ready yet, so no primary.
        var (outcome, plan) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
        Assert.Equal(PlacementOutcome.Applied, outcome);
        Assert.Equal(2, plan.Steps.Count);
        Assert.Null(Assert.Single(await store.ListShardsAsync()).PrimaryNode);

        foreach (var replica in await store.ListAssignmentsAsync())
        {
            Assert.True(await store.ReportReadyAsync(replica.Memory, replica.Shard, replica.Node, replica.Epoch));
        }
        (outcome, plan) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
        Assert.Equal(PlacementOutcome.Applied, outcome);
        Assert.Empty(plan.Steps);
        var first = Assert.Single(await store.ListShardsAsync());
        Assert.Equal("a", first.PrimaryNode);
        Assert.True(first.PrimaryTerm > 0);

        // Nothing changed: a valid primary is not re-elected (no new term, nothing written).
        (outcome, _) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
        Assert.Null(outcome);
        Assert.Equal(first, Assert.Single(await store.ListShardsAsync()));

        // a's lease runs out: b takes over in a higher term.
        _clock.Advance(NodeLease + TimeSpan.FromSeconds(1));
        await store.DeclareDeadNodesAsync();
        (outcome, _) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
        Assert.Equal(PlacementOutcome.Applied, outcome);
        var second = Assert.Single(await store.ListShardsAsync());
        Assert.Equal("b", second.PrimaryNode);
        Assert.True(second.PrimaryTerm > first.PrimaryTerm);

        // b dies too: no Ready replica on a live node, so b stays recorded as the last primary.
        _clock.Advance(NodeLease);
        await store.DeclareDeadNodesAsync();
        await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
        var third = Assert.Single(await store.ListShardsAsync());
        Assert.Equal(("b", second.PrimaryTerm), (third.PrimaryNode, third.PrimaryTerm));
    }

    [Fact]
    public async Task A_primary_marked_draining_by_the_plan_is_replaced_in_the_same_batch()
    {
        await using var store = new SqliteClusterStore(Path.Combine(_directory, "cluster.db"), _clock);
        await store.MigrateAsync();
        foreach (var node in new[] { "a", "b", "c" })
        {
            await store.RegisterNodeAsync(node, $"http://{node}", NodeRoles.ShardHost, LongLease);
        }
        Assert.True(await store.CreateMemoryAsync("m", "{}", 1, 2));
        var lease = await store.TryAcquireControllerAsync("c", LongLease);
        Assert.NotNull(lease);
        // Rounds until placement settles, reporting every Loading replica Ready in between.
        for (var round = 0; round < 10; round++)
        {
            var (outcome, _) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
            Assert.NotEqual(PlacementOutcome.Conflict, outcome);
            foreach (var replica in (await store.ListAssignmentsAsync()).Where(r => r.State == AssignmentState.Loading))
            {
                await store.ReportReadyAsync(replica.Memory, replica.Shard, replica.Node, replica.Epoch);
            }
            if (outcome is null)
            {
                break;
            }
        }
        var before = Assert.Single(await store.ListShardsAsync());
        Assert.NotNull(before.PrimaryNode);

        // Draining the primary's node: once its replacement is Ready the plan marks it Draining, and
        // the same batch moves the primary to a replica that stays.
        Assert.True(await store.SetDrainingAsync(before.PrimaryNode, true));
        for (var round = 0; round < 10; round++)
        {
            var (outcome, _) = await PlacementController.RunOnceAsync(store, lease, CancellationToken.None);
            Assert.NotEqual(PlacementOutcome.Conflict, outcome);
            var shard = Assert.Single(await store.ListShardsAsync());
            var primaryReplica = (await store.ListAssignmentsAsync()).SingleOrDefault(r => r.Node == shard.PrimaryNode);
            // Never a primary on a Draining replica after a committed round.
            Assert.NotEqual(AssignmentState.Draining, primaryReplica?.State);
            foreach (var replica in (await store.ListAssignmentsAsync()).Where(r => r.State == AssignmentState.Loading))
            {
                await store.ReportReadyAsync(replica.Memory, replica.Shard, replica.Node, replica.Epoch);
            }
            if (outcome is null)
            {
                break;
            }
        }
        var after = Assert.Single(await store.ListShardsAsync());
        Assert.NotEqual(before.PrimaryNode, after.PrimaryNode);
        Assert.True(after.PrimaryTerm > before.PrimaryTerm);
        Assert.DoesNotContain(await store.ListAssignmentsAsync(), r => r.Node == before.PrimaryNode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    /// <summary>A clock the test moves by hand, so leases expire without waiting.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
