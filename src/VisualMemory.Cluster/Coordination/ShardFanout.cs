using System.Diagnostics;
using VisualMemory.Core.Diagnostics;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;

namespace VisualMemory.Cluster.Coordination;

/// <summary>
/// The coordinator's query path across shard hosts: one request per node for all the shards it is
/// asked for, each bounded by a per-shard timeout; the shards of a node that fails or times out are
/// retried on their next replica; every answer is merged into one top-k (the same total order a
/// single node uses, so the cluster answers exactly like one node on an exact index).
/// </summary>
/// <remarks>Thread-safe. <see cref="CoalescingFanout"/> derives from it so that every user of the fan-out can be handed the coalescing one.</remarks>
public class ShardFanout(ShardSearchClient client, TimeSpan perShardTimeout)
{
    /// <summary>
    /// Searches every shard in <paramref name="placement"/> for the k nearest items of each query row.
    /// </summary>
    /// <param name="memory">The memory's name.</param>
    /// <param name="dimension">Its dimension.</param>
    /// <param name="queries">Preprocessed query rows (centred, L2-normalised), row-major.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="nprobe">IVF lists to visit; 0 for the memory's default.</param>
    /// <param name="pruning">Pruning mode; null for the memory's applied prune.</param>
    /// <param name="placement">Each shard with its replicas, preferred first.</param>
    /// <param name="internLabel">Maps label names from the hosts into the caller's vocabulary.</param>
    /// <param name="cancellationToken">Cancels the whole fan-out.</param>
    public virtual async Task<FanoutResult> SearchAsync(string memory, int dimension, float[] queries, int k, int nprobe, PruningMode? pruning,
        IReadOnlyList<ShardReplicas> placement, Func<string, int> internLabel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(internLabel);
        var nq = queries.Length / dimension;
        var answers = new List<ShardSearchResponse>();
        var missing = new List<int>();
        var retries = 0;
        // attempt[shard] = index of the replica to try next
        var attempt = placement.ToDictionary(p => p.Shard, _ => 0);
        var pending = placement.ToList();
        while (pending.Count > 0)
        {
            var byNode = new Dictionary<Uri, List<ShardReplicas>>();
            foreach (var shard in pending)
            {
                var next = attempt[shard.Shard];
                if (next >= shard.Replicas.Count)
                {
                    missing.Add(shard.Shard);
                    continue;
                }
                var node = shard.Replicas[next];
                if (!byNode.TryGetValue(node, out var list))
                {
                    byNode[node] = list = [];
                }
                list.Add(shard);
            }
            var calls = byNode.Select(async group =>
            {
                var request = new ShardSearchRequest { Memory = memory, Dimension = dimension, K = k, Nprobe = nprobe, Pruning = ShardSearchCodec.ToWire(pruning) };
                request.Shards.Add(group.Value.Select(s => s.Shard));
                request.Queries.Add(queries);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(perShardTimeout);
                // One span per node call; current while the HTTP/2 request is sent, so the client puts its
                // context in traceparent and the shard host's span becomes its child.
                using var activity = Tracing.Source.StartActivity("fanout shard-search", ActivityKind.Client);
                activity?.SetTag("vm.node", group.Key.ToString());
                activity?.SetTag("vm.shards", string.Join(',', group.Value.Select(s => s.Shard)));
                try
                {
                    return (group.Value, Response: await client.SearchAsync(group.Key, request, timeout.Token).ConfigureAwait(false));
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException or IOException)
                {
                    // The node failed or was too slow: its shards go to their next replica.
                    activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                    return (group.Value, Response: (ShardSearchResponse?)null);
                }
            }).ToList();
            pending = [];
            foreach (var (shards, response) in await Task.WhenAll(calls).ConfigureAwait(false))
            {
                if (response is not null)
                {
                    answers.Add(response);
                    continue;
                }
                foreach (var shard in shards)
                {
                    attempt[shard.Shard]++;
                    retries += attempt[shard.Shard] < shard.Replicas.Count ? 1 : 0;
                    pending.Add(shard);
                }
            }
        }

        if (retries > 0)
        {
            FanoutMetrics.Retries.Add(retries);
        }
        var mergeStart = Stopwatch.GetTimestamp();
        var decoded = answers.Select(a => ShardSearchCodec.Decode(a, internLabel)).ToList();
        var merged = new Neighbor[nq][];
        var lists = new IReadOnlyList<Neighbor>[decoded.Count];
        for (var q = 0; q < nq; q++)
        {
            for (var a = 0; a < decoded.Count; a++)
            {
                lists[a] = q < decoded[a].Length ? decoded[a][q] : [];
            }
            merged[q] = TopKMerger.Merge(lists, k);
        }
        StageTiming.Record("merge", mergeStart);
        missing.Sort();
        return new FanoutResult(merged, missing, retries);
    }
}
