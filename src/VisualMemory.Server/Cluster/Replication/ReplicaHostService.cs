using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Storage;
using VisualMemory.Storage.Segments;

namespace VisualMemory.Server.Cluster.Replication;

/// <summary>
/// Makes this shard host hold what the controller assigned it. Every heartbeat it reads the control plane
/// and, per assignment: a Ready replica it has a copy of is reopened (restart); a Loading one joins the
/// shard's primary, copies the primary's stored copy (checkpointed after the join) into its own place,
/// applies the writes forwarded meanwhile and reports Ready; a shard with no Ready replica at all starts
/// from its last primary's copy, or empty for a new memory. Replicas no longer assigned are closed and
/// their data deleted (kept when this node is the shard's last recorded primary: the newest copy when
/// every replica is lost). Live replicas get the same background checkpoints as local memories.
/// </summary>
internal sealed partial class ReplicaHostService(
    ClusterView view, ReplicaRegistry registry, ReplicaStorage storage, IClusterStore store, ReplicationClient client,
    NodeIdentity identity, MemoryCatalog catalog, IOptions<ClusterSettings> options, ILogger<ReplicaHostService> logger)
    : BackgroundLoopService
{
    /// <summary>Attempts to copy a replica before giving up until the next heartbeat.</summary>
    private const int CopyAttempts = 5;

    protected override Task<bool> StartingAsync(CancellationToken cancellationToken) =>
        Task.FromResult(options.Value.Distributed && options.Value.Roles.HasFlag(NodeRoles.ShardHost));

    protected override async Task StoppedAsync(CancellationToken cancellationToken)
    {
        // A graceful stop leaves every replica in object storage, as for local memories.
        foreach (var replica in registry.All)
        {
            try
            {
                if (replica.Live)
                {
                    await replica.Data!.CheckpointAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogFailed(replica.Memory, replica.Shard, "checkpoint at stop", e.Message);
            }
            registry.Remove(replica);
            replica.Dispose();
        }
    }

    protected override async Task LoopAsync(CancellationToken stopping)
    {
        var settings = options.Value;
        var loading = new Dictionary<(string, int), Task>();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var snapshot = await view.RefreshAsync(stopping).ConfigureAwait(false);
                foreach (var key in loading.Where(l => l.Value.IsCompleted).Select(l => l.Key).ToList())
                {
                    loading.Remove(key);
                }
                await SyncAsync(snapshot, loading, stopping).ConfigureAwait(false);
                foreach (var replica in registry.All.Where(r => r.Live))
                {
                    await replica.Data!.MaintainAsync(stopping).ConfigureAwait(false);
                    await ReportSizeAsync(replica, snapshot, stopping).ConfigureAwait(false);
                }
                await Task.Delay(Math.Max(10, settings.HeartbeatMilliseconds / 2), stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogFailed("*", -1, "replica sync", e.Message);
                await Task.Delay(Math.Max(10, settings.HeartbeatMilliseconds), stopping).ConfigureAwait(false);
            }
        }
        try
        {
            await Task.WhenAll(loading.Values).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed("*", -1, "loading at stop", e.Message);
        }
    }

    private async Task SyncAsync(ClusterSnapshot snapshot, Dictionary<(string, int), Task> loading, CancellationToken stopping)
    {
        // Memories this node holds whole (embedded, created before joining) are never replicas here.
        var mine = snapshot.Assignments
            .Where(a => a.Node == identity.Name && catalog.Find(a.Memory) is null)
            .ToDictionary(a => (a.Memory, a.Shard));
        foreach (var replica in registry.All)
        {
            if (!mine.TryGetValue((replica.Memory, replica.Shard), out var assignment))
            {
                await DropAsync(replica, snapshot, keepCopy: true, stopping).ConfigureAwait(false);
            }
            else if (assignment.State == AssignmentState.Loading && replica.Epoch != assignment.Epoch)
            {
                // Demoted by the primary (it missed a write) or re-placed: catch up again from scratch.
                LogResync(replica.Memory, replica.Shard, replica.Epoch, assignment.Epoch);
                await DropAsync(replica, snapshot, keepCopy: false, stopping).ConfigureAwait(false);
            }
            else if (assignment.State == AssignmentState.Loading && replica.Live && !replica.Reported)
            {
                replica.Reported = await store.ReportReadyAsync(replica.Memory, replica.Shard, identity.Name, assignment.Epoch, stopping).ConfigureAwait(false);
            }
        }
        foreach (var ((memory, shard), assignment) in mine)
        {
            if (registry.Find(memory, shard) is null && !loading.ContainsKey((memory, shard)) && snapshot.Memory(memory) is { } record)
            {
                loading[(memory, shard)] = Task.Run(() => LoadAsync(assignment, record, snapshot, stopping), CancellationToken.None);
            }
        }
    }

    private async Task LoadAsync(AssignmentRecord assignment, MemoryRecord record, ClusterSnapshot snapshot, CancellationToken stopping)
    {
        var (memory, shard) = (assignment.Memory, assignment.Shard);
        var settings = catalog.Settings;
        var mine = storage.For(memory, shard, identity.Name);
        try
        {
            if (assignment.State == AssignmentState.Ready && await storage.HasCopyAsync(memory, shard, identity.Name, stopping).ConfigureAwait(false))
            {
                // A restart: this copy plus its own log hold every write acknowledged while it was in sync.
                await AddLiveAsync(new HostedReplica(memory, shard, assignment.Epoch, null) { Reported = true },
                    await LocalMemory.OpenAsync(memory, settings, mine, stopping).ConfigureAwait(false)).ConfigureAwait(false);
                LogOpened(memory, shard, "its own stored copy");
                return;
            }
            if (snapshot.Primary(memory, shard) is { } primary && primary.Node != identity.Name)
            {
                await CatchUpAsync(assignment, primary.Address, stopping).ConfigureAwait(false);
                return;
            }
            if (snapshot.Replicas(memory, shard).Any(a => a.State == AssignmentState.Ready))
            {
                return;   // Ready replicas but no primary yet: the controller chooses one; try next heartbeat.
            }
            // No replica is Ready: nothing newer exists than the last primary's stored copy (none: a new memory).
            var last = snapshot.Shard(memory, shard)?.PrimaryNode;
            LocalMemory data;
            if (last is not null && await storage.HasCopyAsync(memory, shard, last, stopping).ConfigureAwait(false))
            {
                data = await CopyAndOpenAsync(memory, shard, last, stopping).ConfigureAwait(false);
                LogOpenedFromLastPrimary(memory, shard, last);
            }
            else
            {
                data = await LocalMemory.CreateAsync(ReplicaStorage.ReplicaDefinition(MemoryDefinitionJson.Parse(record.DefinitionJson)), settings, mine, stopping).ConfigureAwait(false);
                LogOpened(memory, shard, "empty");
            }
            var replica = await AddLiveAsync(new HostedReplica(memory, shard, assignment.Epoch, null), data).ConfigureAwait(false);
            replica.Reported = await store.ReportReadyAsync(memory, shard, identity.Name, assignment.Epoch, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !stopping.IsCancellationRequested)
        {
            LogFailed(memory, shard, "load", e.Message);
        }
    }

    // Joins the primary first, so writes ordered from then on are forwarded here (buffered), then loads
    // the copy the primary stored after the join, then applies the buffer and goes live.
    private async Task CatchUpAsync(AssignmentRecord assignment, Uri primary, CancellationToken stopping)
    {
        var (memory, shard) = (assignment.Memory, assignment.Shard);
        var replica = new HostedReplica(memory, shard, assignment.Epoch, Guid.NewGuid().ToString("N"));
        if (!registry.TryAdd(replica))
        {
            replica.Dispose();
            return;
        }
        try
        {
            var joined = await client.JoinAsync(primary, new ReplicaJoinRequest
            {
                Memory = memory, Shard = shard, Node = identity.Name, Address = identity.Address, Session = replica.Session,
            }, stopping).ConfigureAwait(false);
            var data = await CopyAndOpenAsync(memory, shard, joined.Source, stopping).ConfigureAwait(false);
            await replica.GoLiveAsync(data).ConfigureAwait(false);
            LogCaughtUp(memory, shard, joined.Source);
            replica.Reported = await store.ReportReadyAsync(memory, shard, identity.Name, assignment.Epoch, stopping).ConfigureAwait(false);
        }
        catch
        {
            registry.Remove(replica);
            replica.Dispose();
            throw;
        }
    }

    private async Task<LocalMemory> CopyAndOpenAsync(string memory, int shard, string source, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (source != identity.Name)
                {
                    await storage.CopyAsync(memory, shard, source, identity.Name, stopping).ConfigureAwait(false);
                }
                return await LocalMemory.OpenAsync(memory, catalog.Settings, storage.For(memory, shard, identity.Name), stopping).ConfigureAwait(false);
            }
            // The source checkpointed while it was copied (an object went away); a newer listing is consistent.
            catch (Exception e) when (attempt < CopyAttempts && e is ObjectNotFoundException or CorruptStoredObjectException or InvalidDataException)
            {
                await Task.Delay(100 * attempt, stopping).ConfigureAwait(false);
            }
        }
    }

    private async Task<HostedReplica> AddLiveAsync(HostedReplica replica, LocalMemory data)
    {
        await replica.GoLiveAsync(data).ConfigureAwait(false);
        if (!registry.TryAdd(replica))
        {
            replica.Dispose();
            throw new InvalidOperationException($"shard {replica.Shard} of '{replica.Memory}' is already hosted here");
        }
        return replica;
    }

    // The primary's copy stands for the shard: placement weighs shards by it.
    private async Task ReportSizeAsync(HostedReplica replica, ClusterSnapshot snapshot, CancellationToken stopping)
    {
        var bytes = replica.Data!.StorageStats().StoredSegmentBytes;
        if (bytes != replica.ReportedBytes && snapshot.Primary(replica.Memory, replica.Shard)?.Node == identity.Name
            && await store.ReportShardSizeAsync(replica.Memory, replica.Shard, identity.Name, bytes, stopping).ConfigureAwait(false))
        {
            replica.ReportedBytes = bytes;
        }
    }

    private async Task DropAsync(HostedReplica replica, ClusterSnapshot snapshot, bool keepCopy, CancellationToken stopping)
    {
        registry.Remove(replica);
        replica.Dispose();
        var lastPrimary = snapshot.Shard(replica.Memory, replica.Shard)?.PrimaryNode == identity.Name;
        if (!(keepCopy && lastPrimary && snapshot.Memory(replica.Memory) is not null))
        {
            await storage.DeleteAsync(replica.Memory, replica.Shard, identity.Name, stopping).ConfigureAwait(false);
        }
        LogDropped(replica.Memory, replica.Shard);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica of shard {Shard} of {Memory} loaded from {From}")]
    private partial void LogOpened(string memory, int shard, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica of shard {Shard} of {Memory} loaded from the last primary {Source}'s stored copy")]
    private partial void LogOpenedFromLastPrimary(string memory, int shard, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica of shard {Shard} of {Memory} caught up from primary {Source}'s copy and the writes forwarded since")]
    private partial void LogCaughtUp(string memory, int shard, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica of shard {Shard} of {Memory} dropped")]
    private partial void LogDropped(string memory, int shard);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica of shard {Shard} of {Memory} fell out of sync (epoch {Old} -> {New}); catching up again")]
    private partial void LogResync(string memory, int shard, long old, long @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica of shard {Shard} of {Memory}: {What} failed: {Reason}")]
    private partial void LogFailed(string memory, int shard, string what, string reason);
}
