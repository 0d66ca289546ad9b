using Microsoft.Extensions.Options;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// Keeps this node in the cluster: migrates the control-plane schema, registers the node, renews its
/// lease every heartbeat and, when it has the coordinator role, competes for the controller lease; the
/// controller declares nodes whose lease expired dead and re-plans replica placement
/// (<see cref="PlacementController"/>). Every decision is one transaction of the store,
/// judged by the database clock.
/// </summary>
internal sealed partial class ClusterMembershipService(
    IClusterStore store, IOptions<ClusterSettings> options, NodeIdentity identity, MemoryCatalog catalog, Replication.ReplicaRegistry replicas,
    Health.NodeReadiness readiness, ILogger<ClusterMembershipService> logger)
    : BackgroundLoopService
{
    protected override async Task<bool> StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await store.RegisterNodeAsync(identity.Name, identity.Address, settings.Roles, Lease, cancellationToken).ConfigureAwait(false);
        LogRegistered(identity.Name, identity.Address, settings.Roles);
        readiness.MarkControlPlaneContact();
        if (!settings.Distributed)
        {
            // Embedded: the node's whole memories are the placement. In cluster mode memories live as
            // shard replicas, and whole memories a node kept from before stay its own.
            await ClusterRegistration.RegisterMissingAsync(store, catalog, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    protected override async Task StoppedAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Hand the controller lease over at once instead of letting it lapse.
            await store.ReleaseControllerAsync(identity.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogStoreFailed(e.Message);
        }
    }

    private TimeSpan Lease => TimeSpan.FromSeconds(options.Value.LeaseSeconds);

    protected override async Task LoopAsync(CancellationToken stopping)
    {
        var settings = options.Value;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Math.Max(10, settings.HeartbeatMilliseconds), stopping).ConfigureAwait(false);
                var bytes = catalog.Memories.Sum(m => m.StorageStats().StoredSegmentBytes) + replicas.StoredBytes;
                if (!await store.HeartbeatAsync(identity.Name, Lease, bytes, stopping).ConfigureAwait(false))
                {
                    // Declared dead while away (a pause longer than the lease): join again as a new incarnation.
                    LogRejoined(identity.Name);
                    await store.RegisterNodeAsync(identity.Name, identity.Address, settings.Roles, Lease, stopping).ConfigureAwait(false);
                }
                readiness.MarkControlPlaneContact();
                if (settings.Roles.HasFlag(NodeRoles.ShardHost) && !settings.Distributed)
                {
                    await ReportReadyReplicasAsync(stopping).ConfigureAwait(false);
                }
                if (settings.Roles.HasFlag(NodeRoles.Coordinator)
                    && await store.TryAcquireControllerAsync(identity.Name, Lease, stopping).ConfigureAwait(false) is { } lease)
                {
                    foreach (var dead in await store.DeclareDeadNodesAsync(stopping).ConfigureAwait(false))
                    {
                        LogDeclaredDead(dead, lease.Epoch);
                    }
                    var (outcome, plan) = await PlacementController.RunOnceAsync(store, lease, stopping).ConfigureAwait(false);
                    if (outcome is { } applied)
                    {
                        LogPlacement(plan.Steps.Count, applied, lease.Epoch);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The database may be briefly unreachable; the lease tolerates missed beats.
                readiness.MarkControlPlaneFailure(e.Message);
                LogStoreFailed(e.Message);
            }
        }
    }

    // Embedded: a replica assigned here is ready when this node holds the memory's data. In cluster mode
    // ReplicaHostService loads replicas and reports them.
    private async Task ReportReadyReplicasAsync(CancellationToken stopping)
    {
        foreach (var replica in (await store.ListAssignmentsAsync(null, stopping).ConfigureAwait(false))
            .Where(a => a.Node == identity.Name && a.State == AssignmentState.Loading && catalog.Find(a.Memory) is not null))
        {
            await store.ReportReadyAsync(replica.Memory, replica.Shard, identity.Name, replica.Epoch, stopping).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered node {Name} at {Address} as {Roles}")]
    private partial void LogRegistered(string name, string address, NodeRoles roles);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Name} had been declared dead; registered again")]
    private partial void LogRejoined(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared node {Name} dead (controller epoch {Epoch})")]
    private partial void LogDeclaredDead(string name, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement: {Steps} steps, {Outcome} (controller epoch {Epoch})")]
    private partial void LogPlacement(int steps, PlacementOutcome outcome, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control plane call failed: {Reason}")]
    private partial void LogStoreFailed(string reason);
}
