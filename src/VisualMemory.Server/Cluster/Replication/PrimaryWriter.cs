using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.ControlPlane;

namespace VisualMemory.Server.Cluster.Replication;

/// <summary>
/// What a shard's primary does with a write: applies it, forwards it (with its name and term) to every
/// Ready replica and every replica catching up, and acknowledges it once the primary plus the Ready
/// replicas that have it durably reach the write quorum. Writes to one shard are ordered by holding
/// <see cref="HostedReplica.WriteOrder"/> until every replica answered, so all replicas apply them in
/// one order. A replica that fails to take a write is taken out of the in-sync set in the control
/// plane (<see cref="IClusterStore.DemoteReplicaAsync"/>) before the write is acknowledged, so every
/// Ready replica holds every acknowledged write; if that cannot be recorded, the write fails.
/// </summary>
internal sealed partial class PrimaryWriter(
    ClusterView view, IClusterStore store, ReplicationClient client, NodeIdentity identity, IOptions<ClusterSettings> options, ILogger<PrimaryWriter> logger)
{
    /// <summary>Applies and replicates <paramref name="write"/> on this node, which must be the shard's primary.</summary>
    /// <exception cref="NotPrimaryException">The control plane names another primary (or none).</exception>
    /// <exception cref="QuorumException">Too few replicas hold the write, or a failed replica could not be demoted.</exception>
    public async Task<ShardWriteResponse> WriteAsync(HostedReplica replica, ShardWrite write, CancellationToken cancellationToken)
    {
        var (snapshot, term) = await PrimaryTermAsync(replica, cancellationToken).ConfigureAwait(false);
        var memory = snapshot.Memory(replica.Memory) ?? throw new NotPrimaryException($"memory '{replica.Memory}' is not in the control plane");
        var quorum = Quorum(memory.ReplicationFactor);
        await replica.WriteOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var applied = await HostedReplica.ApplyAsync(replica.Data!, write).ConfigureAwait(false);
            var deleted = applied.Deleted;
            var forward = write.Clone();
            forward.Primary = identity.Name;
            forward.Term = term;
            if (write.Kind == WriteKind.SetQuantizer && write.KeepExisting)
            {
                // Replicas take the quantizer the primary has in force, whichever won, so the shard's copies agree.
                forward.Quantizer = applied.Quantizer;
                forward.KeepExisting = false;
            }
            if (write.Kind is WriteKind.UnlearnLabel or WriteKind.UnlearnSource)
            {
                forward.Ids.Clear();
                forward.Ids.AddRange(deleted);
            }
            var targets = Targets(replica, view.Current);
            var answers = await Task.WhenAll(targets.Select(t => ForwardAsync(t, forward))).ConfigureAwait(false);
            var acknowledged = 1;
            foreach (var (target, answer, error) in answers)
            {
                if (answer is not null)
                {
                    acknowledged += target.InSync && answer.Durable ? 1 : 0;
                    continue;
                }
                replica.Joiners.Remove(target.Node);
                LogForwardFailed(replica.Memory, replica.Shard, target.Node, error!);
                // Bumps the replica's epoch too, so a catching-up replica's Ready report fails and it starts over.
                if (await store.DemoteReplicaAsync(replica.Memory, replica.Shard, target.Node, identity.Name, term, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
                // The demotion is refused when this node is no longer the primary (a move or failover chose
                // another, which refused the forward as stale): the write must not be acknowledged here, whether
                // the refusing replica counted or was catching up, or it would exist only on a leaving replica.
                var now = await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
                if (now.Primary(replica.Memory, replica.Shard) is not { } current || current.Node != identity.Name || current.Term != term)
                {
                    throw new NotPrimaryException($"this node ({identity.Name}) stopped being the primary of shard {replica.Shard} of '{replica.Memory}' while writing");
                }
                if (target.InSync)
                {
                    throw new QuorumException($"shard {replica.Shard} of '{replica.Memory}': replica on {target.Node} missed the write and could not be taken out of the in-sync set");
                }
            }
            if (acknowledged < quorum)
            {
                throw new QuorumException($"shard {replica.Shard} of '{replica.Memory}': {acknowledged} of the {quorum} replicas the write quorum needs hold the write");
            }
            // The counts (deleted ids, a bulk load's rows) are the primary's: every replica holds the same items, so they count alike.
            applied.Acknowledged = acknowledged;
            applied.Durable = true;
            return applied;
        }
        finally
        {
            replica.WriteOrder.Release();
        }
    }

    /// <summary>Registers a catching-up replica: every write ordered after this returns is forwarded to it.</summary>
    public async Task<long> JoinAsync(HostedReplica replica, ReplicaJoiner joiner, CancellationToken cancellationToken)
    {
        var (_, term) = await PrimaryTermAsync(replica, cancellationToken).ConfigureAwait(false);
        await replica.WriteOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            replica.Joiners[joiner.Node] = joiner;
        }
        finally
        {
            replica.WriteOrder.Release();
        }
        // Stored after the join point, so the copy plus the forwarded writes cover everything.
        await replica.Data!.CheckpointAsync(cancellationToken).ConfigureAwait(false);
        return term;
    }

    /// <summary>How many replicas must hold a write: <c>Cluster:WriteQuorum</c>, or a majority of the replication factor when 0.</summary>
    public int Quorum(int replicationFactor)
    {
        var configured = options.Value.WriteQuorum;
        return configured > 0 ? Math.Min(configured, replicationFactor) : replicationFactor / 2 + 1;
    }

    private async Task<(ClusterSnapshot Snapshot, long Term)> PrimaryTermAsync(HostedReplica replica, CancellationToken cancellationToken)
    {
        var snapshot = view.Current;
        if (snapshot.Primary(replica.Memory, replica.Shard) is not { } primary || primary.Node != identity.Name)
        {
            // The primary may have been chosen since the last heartbeat's reading.
            snapshot = await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        if (snapshot.Primary(replica.Memory, replica.Shard) is { } current && current.Node == identity.Name && replica.Live)
        {
            return (snapshot, current.Term);
        }
        throw new NotPrimaryException($"this node ({identity.Name}) is not the primary of shard {replica.Shard} of '{replica.Memory}'");
    }

    // Ready replicas count toward the quorum; catching-up ones only receive. A Ready replica whose node is
    // not alive is a target that fails at once, so it is demoted like any other failure.
    private List<ForwardTarget> Targets(HostedReplica replica, ClusterSnapshot snapshot)
    {
        var targets = new List<ForwardTarget>();
        foreach (var ready in snapshot.Replicas(replica.Memory, replica.Shard).Where(a => a.Node != identity.Name && a.State == AssignmentState.Ready))
        {
            replica.Joiners.Remove(ready.Node);
            targets.Add(new ForwardTarget(ready.Node, snapshot.AliveAddress(ready.Node), null, InSync: true));
        }
        targets.AddRange(replica.Joiners.Values.Select(j => new ForwardTarget(j.Node, j.Address, j.Session, InSync: false)));
        return targets;
    }

    private async Task<(ForwardTarget Target, ShardWriteResponse? Answer, string? Error)> ForwardAsync(ForwardTarget target, ShardWrite write)
    {
        if (target.Address is null)
        {
            return (target, null, "its node is not alive");
        }
        var sent = target.Session is null ? write : write.Clone();
        sent.Session = target.Session ?? "";
        using var deadline = new CancellationTokenSource(options.Value.WriteTimeout(write.Kind));
        try
        {
            return (target, await client.WriteAsync(target.Address, sent, deadline.Token).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is HttpRequestException or ReplicationException or OperationCanceledException)
        {
            return (target, null, e.Message);
        }
    }

    private sealed record ForwardTarget(string Node, Uri? Address, string? Session, bool InSync);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} of {Memory}: forwarding a write to {Node} failed ({Reason}); taking it out of the in-sync set")]
    private partial void LogForwardFailed(string memory, int shard, string node, string reason);
}

/// <summary>A write reached a node that is not the shard's primary (the coordinator re-reads the control plane and retries).</summary>
internal sealed class NotPrimaryException(string message) : Exception(message);

/// <summary>A write did not reach its quorum; it may be applied on some replicas, and retrying it is safe.</summary>
internal sealed class QuorumException(string message) : Exception(message);
