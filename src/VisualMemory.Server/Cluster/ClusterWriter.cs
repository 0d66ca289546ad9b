using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Routing;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// A coordinator's side of a write to a distributed memory: splits it by owning shard (the same
/// <see cref="ShardRouter"/> a single node uses), sends each part to its shard's primary, and reports
/// per shard. A part whose primary moved is retried once after re-reading the control plane.
/// </summary>
internal sealed class ClusterWriter(ClusterView view, ReplicationClient client, Microsoft.Extensions.Options.IOptions<ClusterSettings> options)
{
    /// <summary>Splits upserted rows by shard: one write per shard that owns any of them.</summary>
    public static IReadOnlyList<ShardWrite> SplitUpsert(string memory, int shards, int dimension, IReadOnlyList<long> ids, IReadOnlyList<string> labels, IReadOnlyList<string?>? sources, ReadOnlySpan<float> vectors)
    {
        var writes = new Dictionary<int, ShardWrite>();
        for (var i = 0; i < ids.Count; i++)
        {
            var shard = ShardRouter.ShardOf(ids[i], shards);
            if (!writes.TryGetValue(shard, out var write))
            {
                writes[shard] = write = new ShardWrite { Memory = memory, Shard = shard, Kind = WriteKind.Upsert };
            }
            write.Ids.Add(ids[i]);
            write.Labels.Add(labels[i]);
            if (sources is not null)
            {
                write.Sources.Add(sources[i] ?? "");
            }
            foreach (var value in vectors.Slice(i * dimension, dimension))
            {
                write.Vectors.Add(value);
            }
        }
        return [.. writes.Values.OrderBy(w => w.Shard)];
    }

    /// <summary>
    /// Splits one bulk-ingest chunk by shard into <see cref="WriteKind.BulkLoad"/> writes that all carry
    /// <paramref name="origin"/>: each shard's replicas are one-shard memories of their own, so the same key
    /// registers once per replica without clashing, and a re-sent chunk is recognised on every shard.
    /// </summary>
    public static IReadOnlyList<ShardWrite> SplitBulkLoad(string memory, int shards, int dimension, string origin, IReadOnlyList<long> ids, IReadOnlyList<string> labels,
        IReadOnlyList<string?>? sources, ReadOnlySpan<float> vectors)
    {
        var writes = SplitUpsert(memory, shards, dimension, ids, labels, sources, vectors);
        foreach (var write in writes)
        {
            write.Kind = WriteKind.BulkLoad;
            write.Origin = origin;
        }
        return writes;
    }

    /// <summary>Splits ids by shard for a delete or an unlearning request by ids.</summary>
    public static IReadOnlyList<ShardWrite> SplitIds(string memory, int shards, WriteKind kind, IEnumerable<long> ids) =>
        [.. ids.Distinct().GroupBy(id => ShardRouter.ShardOf(id, shards)).OrderBy(g => g.Key).Select(g =>
        {
            var write = new ShardWrite { Memory = memory, Shard = g.Key, Kind = kind };
            write.Ids.AddRange(g);
            return write;
        })];

    /// <summary>One write per shard for a request every shard resolves itself (unlearning by label or source).</summary>
    public static IReadOnlyList<ShardWrite> Broadcast(string memory, int shards, WriteKind kind, string selector) =>
        [.. Enumerable.Range(0, shards).Select(s => new ShardWrite { Memory = memory, Shard = s, Kind = kind, Selector = selector })];

    /// <summary>Sends every part to its primary, concurrently; the answer per shard, or why it failed.</summary>
    public async Task<IReadOnlyList<ShardWriteOutcome>> WriteAsync(IReadOnlyList<ShardWrite> writes, CancellationToken cancellationToken) =>
        await Task.WhenAll(writes.Select(w => SendAsync(w, cancellationToken))).ConfigureAwait(false);

    private async Task<ShardWriteOutcome> SendAsync(ShardWrite write, CancellationToken cancellationToken)
    {
        var fresh = TimeSpan.FromMilliseconds(options.Value.HeartbeatMilliseconds);
        string? failure = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var snapshot = attempt == 0
                ? await view.GetAsync(fresh, cancellationToken).ConfigureAwait(false)
                : await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (snapshot.Primary(write.Memory, write.Shard) is not { } primary)
            {
                failure = "no live primary (a new one is chosen once the old one's lease expires)";
                continue;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Value.WriteTimeout(write.Kind));
            try
            {
                return new ShardWriteOutcome(write.Shard, await client.WriteAsync(primary.Address, write, deadline.Token).ConfigureAwait(false), null);
            }
            catch (ReplicationException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
            {
                failure = e.Message;   // not (or no longer) the primary: read the control plane again
            }
            catch (ReplicationException e)
            {
                return new ShardWriteOutcome(write.Shard, null, e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new ShardWriteOutcome(write.Shard, null, $"primary {primary.Node} unreachable: {e.Message}");
            }
        }
        return new ShardWriteOutcome(write.Shard, null, failure);
    }
}

/// <summary>How one shard's part of a write went: the primary's answer, or the reason it failed.</summary>
internal sealed record ShardWriteOutcome(int Shard, ShardWriteResponse? Response, string? Error);
