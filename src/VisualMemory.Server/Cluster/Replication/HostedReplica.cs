using VisualMemory.Cluster.Protocol;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;

namespace VisualMemory.Server.Cluster.Replication;

/// <summary>
/// One shard replica this node hosts: the shard's data as a durable one-shard memory of its own
/// (<see cref="ReplicaStorage"/>), and how writes reach it. While it catches up, writes forwarded by the
/// primary are buffered in order; once its copy is loaded they are applied and later ones go straight in.
/// </summary>
internal sealed class HostedReplica(string memory, int shard, long epoch, string? session) : IDisposable
{
    private readonly SemaphoreSlim _apply = new(1, 1);
    private readonly List<ShardWrite> _buffer = [];
    private readonly Dictionary<string, ReplicaJoiner> _joiners = new(StringComparer.Ordinal);
    private LocalMemory? _data;

    public string Memory { get; } = memory;

    public int Shard { get; } = shard;

    /// <summary>The assignment epoch it was loaded under; a different epoch while Loading means it fell out of sync.</summary>
    public long Epoch { get; } = epoch;

    /// <summary>The join this replica's catch-up belongs to (null when it was opened from its own copy or started empty).</summary>
    public string? Session { get; } = session;

    /// <summary>The shard's data, once loaded; null while the copy is still being fetched.</summary>
    public LocalMemory? Data => Volatile.Read(ref _data);

    /// <summary>True once buffered writes are applied and new ones go straight to <see cref="Data"/>.</summary>
    public bool Live { get; private set; }

    /// <summary>Whether its Ready report went through (so it is not sent again).</summary>
    public bool Reported { get; set; }

    /// <summary>The stored size last reported to the control plane as the shard's (by this replica as primary).</summary>
    public long ReportedBytes { get; set; } = -1;

    /// <summary>Held by a primary from applying a write until every replica answered, so replicas see writes in one order.</summary>
    public SemaphoreSlim WriteOrder { get; } = new(1, 1);

    /// <summary>Catching-up replicas the primary forwards to besides the Ready ones (guarded by <see cref="WriteOrder"/>).</summary>
    public Dictionary<string, ReplicaJoiner> Joiners => _joiners;

    /// <summary>Applies a forwarded write, or buffers it while catching up. Returns whether it is durable here, and what it did (<see cref="ApplyAsync"/>).</summary>
    public async Task<(bool Durable, ShardWriteResponse Applied)> ReceiveAsync(ShardWrite write)
    {
        await _apply.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!Live)
            {
                _buffer.Add(write);
                return (false, new ShardWriteResponse());
            }
            return (true, await ApplyAsync(_data!, write).ConfigureAwait(false));
        }
        finally
        {
            _apply.Release();
        }
    }

    /// <summary>Takes the loaded copy, applies what was buffered meanwhile (in order) and goes live.</summary>
    public async Task GoLiveAsync(LocalMemory data)
    {
        await _apply.WaitAsync().ConfigureAwait(false);
        try
        {
            // The copy is a one-shard memory: its shard-search metrics name the cluster's shard number instead of 0.
            data.MetricsShardOffset = Shard;
            Volatile.Write(ref _data, data);
            // Writes the copy already holds are applied again: each sets or deletes whole items by id, so
            // replaying a suffix of the history over a state that includes it ends in the same state.
            foreach (var write in _buffer)
            {
                await ApplyAsync(data, write).ConfigureAwait(false);
            }
            _buffer.Clear();
            Live = true;
        }
        finally
        {
            _apply.Release();
        }
    }

    /// <summary>
    /// Applies a write to the shard's data; returns what it did: the ids deleted (deletes and unlearning),
    /// or a bulk load's counts (<see cref="LocalMemory.BulkLoadAsync"/>). Acknowledged and Durable are left unset.
    /// </summary>
    public static async Task<ShardWriteResponse> ApplyAsync(LocalMemory data, ShardWrite write)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(write);
        var response = new ShardWriteResponse();
        response.Deleted.AddRange(await ApplyCoreAsync(data, write, response).ConfigureAwait(false));
        return response;
    }

    private static async Task<IReadOnlyList<long>> ApplyCoreAsync(LocalMemory data, ShardWrite write, ShardWriteResponse response)
    {
        switch (write.Kind)
        {
            case WriteKind.Upsert:
                await data.UpsertAsync(write.Ids, write.Labels, write.Vectors.ToArray(), Sources(write)).ConfigureAwait(false);
                return [];
            case WriteKind.BulkLoad:
                // The origin makes this exactly once per replica: a replayed or retried chunk is reported, not added again.
                var loaded = await data.BulkLoadAsync(write.Origin, write.Ids, write.Labels, write.Vectors.ToArray(), Sources(write)).ConfigureAwait(false);
                response.Added = loaded.Added;
                response.Duplicates = loaded.Duplicates;
                response.AlreadyLoadedRows = loaded.AlreadyLoadedRows;
                response.PreviouslyAdded = loaded.PreviouslyAdded;
                return [];
            case WriteKind.SetQuantizer:
                var inForce = await data.SetQuantizerAsync(write.Quantizer.Memory, write.KeepExisting).ConfigureAwait(false);
                if (write.KeepExisting)
                {
                    response.Quantizer = Google.Protobuf.ByteString.CopyFrom(inForce);
                }
                return [];
            case WriteKind.Delete:
                return [.. write.Ids.Where(data.Delete)];
            case WriteKind.UnlearnIds:
                data.Unlearn(UnlearningKind.Ids, null, [.. write.Ids], out var deleted);
                return deleted;
            case WriteKind.UnlearnLabel or WriteKind.UnlearnSource:
                var kind = write.Kind == WriteKind.UnlearnLabel ? UnlearningKind.Label : UnlearningKind.Source;
                // From a primary the ids are resolved already; a coordinator's request is resolved here.
                if (write.Primary.Length > 0)
                {
                    data.UnlearnResolved(kind, write.Selector, [.. write.Ids]);
                    return [.. write.Ids];
                }
                data.Unlearn(kind, write.Selector, null, out var resolved);
                return resolved;
            default:
                throw new ArgumentException($"unknown write kind {write.Kind}", nameof(write));
        }
    }

    private static List<string?>? Sources(ShardWrite write) =>
        write.Sources.Count == 0 ? null : [.. write.Sources.Select(s => s.Length == 0 ? null : s)];

    public void Dispose()
    {
        Volatile.Read(ref _data)?.Dispose();
        _apply.Dispose();
        WriteOrder.Dispose();
    }
}

/// <summary>A replica catching up from this node (the primary): where to forward writes, under which join.</summary>
internal sealed record ReplicaJoiner(string Node, Uri Address, string Session);
