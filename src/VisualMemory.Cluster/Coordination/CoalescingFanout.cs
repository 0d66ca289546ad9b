using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Diagnostics;
using VisualMemory.Core.Pruning;

namespace VisualMemory.Cluster.Coordination;

/// <summary>
/// A <see cref="ShardFanout"/> that coalesces concurrent searches: searches of the same memory with
/// the same dimension, k, nprobe, pruning, placement and label vocabulary share one batched fan-out
/// (one request per node carrying all their rows). Natural batching: while a batch for such a key is
/// in flight, new searches queue; when it returns, the queue goes as the next batch, up to
/// <see cref="CoalescingOptions.MaxQueries"/> rows. Each caller gets exactly its own rows, with the
/// batch's missing shards and retries, which is what a lone call would get: a shard host answers each
/// row of a request independently, and which replicas answer does not depend on the rows.
/// </summary>
/// <remarks>
/// Thread-safe. A caller's cancellation ends only its own wait (a search still queued is dropped
/// before it is sent); a batch is canceled only once every one of its callers has given up. An
/// exception from a batch reaches every caller of that batch.
/// </remarks>
public sealed class CoalescingFanout : ShardFanout
{
    private readonly CoalescingOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<BatchKey, Lane> _lanes = [];
    private long _batches;
    private long _searches;

    /// <summary>Creates a coalescing fan-out over <paramref name="client"/>.</summary>
    /// <param name="client">The shard hosts' client.</param>
    /// <param name="perShardTimeout">How long one node may take before its shards go to their next replica.</param>
    /// <param name="options">Batch size and wait.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid <paramref name="options"/>.</exception>
    public CoalescingFanout(ShardSearchClient client, TimeSpan perShardTimeout, CoalescingOptions options)
        : base(client, perShardTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
    }

    /// <summary>Batches sent so far; each is one fan-out, so one request per node it reached (plus retries).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Searches asked for so far (calls of <see cref="SearchAsync"/>).</summary>
    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>
    /// Searches like <see cref="ShardFanout.SearchAsync"/>, sharing the fan-out with concurrent searches of the same key.
    /// <paramref name="cancellationToken"/> ends this caller's wait only; the batch goes on for the others.
    /// </summary>
    /// <inheritdoc cref="ShardFanout.SearchAsync"/>
    /// <exception cref="ArgumentException">The query array is not a whole number of rows of <paramref name="dimension"/>.</exception>
    public override async Task<FanoutResult> SearchAsync(string memory, int dimension, float[] queries, int k, int nprobe, PruningMode? pruning,
        IReadOnlyList<ShardReplicas> placement, Func<string, int> internLabel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(internLabel);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        // Rows are concatenated with other callers' rows: a ragged array would shift everyone after it.
        if (queries.Length % dimension != 0)
        {
            throw new ArgumentException($"{queries.Length} floats are not a whole number of rows of dimension {dimension}", nameof(queries));
        }
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _searches);
        var key = new BatchKey(memory, dimension, k, nprobe, pruning, PlacementKey(placement), internLabel);
        var search = new Search(queries, queries.Length / dimension, Stopwatch.GetTimestamp(), cancellationToken);
        Lane? lane;
        bool start;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(key, out lane))
            {
                _lanes[key] = lane = new Lane(key, placement);
            }
            lane.Queue.Enqueue(search);
            start = !lane.Draining;
            lane.Draining = true;
        }
        if (start)
        {
            // Unsafe = without this caller's execution context: a batch serves many callers, so no one
            // caller's ambient state (activity, log scopes) should ride along.
            ThreadPool.UnsafeQueueUserWorkItem(lane => _ = DrainAsync(lane), lane, preferLocal: false);
        }
        return await search.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // One drain loop per key runs while its queue is not empty: that is what keeps at most one batch
    // of a key in flight, and what lets the queue fill while it is.
    private async Task DrainAsync(Lane lane)
    {
        while (true)
        {
            if (_options.MaxWait > TimeSpan.Zero)
            {
                await WaitForCompanyAsync(lane).ConfigureAwait(false);
            }
            List<Search> batch;
            lock (_gate)
            {
                batch = Take(lane.Queue);
                if (batch.Count == 0)
                {
                    lane.Draining = false;
                    _lanes.Remove(lane.Key);
                    return;
                }
            }
            await RunAsync(lane, batch).ConfigureAwait(false);
        }
    }

    private async Task WaitForCompanyAsync(Lane lane)
    {
        TimeSpan left;
        lock (_gate)
        {
            if (!lane.Queue.TryPeek(out var oldest) || lane.Queue.Sum(s => s.Rows) >= _options.MaxQueries)
            {
                return;
            }
            left = _options.MaxWait - Stopwatch.GetElapsedTime(oldest.Queued);
        }
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left).ConfigureAwait(false);
        }
    }

    // The next batch: queued searches in arrival order up to the row cap (a first search over the cap
    // goes alone); searches whose callers gave up while queued are dropped, never sent.
    private List<Search> Take(Queue<Search> queue)
    {
        var batch = new List<Search>();
        var rows = 0;
        while (queue.TryPeek(out var next))
        {
            if (next.Token.IsCancellationRequested)
            {
                queue.Dequeue();
                next.Result.TrySetCanceled(next.Token);
                continue;
            }
            if (batch.Count > 0 && rows + next.Rows > _options.MaxQueries)
            {
                break;
            }
            queue.Dequeue();
            batch.Add(next);
            rows += next.Rows;
        }
        return batch;
    }

    private async Task RunAsync(Lane lane, List<Search> batch)
    {
        Interlocked.Increment(ref _batches);
        var key = lane.Key;
        // The batch is abandoned only when nobody is left waiting for it.
        using var abandon = new CancellationTokenSource();
        var waiting = new StrongBox<int>(batch.Count);
        var registrations = new List<CancellationTokenRegistration>(batch.Count);
        // Everything is inside the try: a drain loop that threw would leave its key's callers waiting forever.
        try
        {
            foreach (var search in batch)
            {
                registrations.Add(search.Token.Register(() =>
                {
                    if (Interlocked.Decrement(ref waiting.Value) == 0)
                    {
                        abandon.Cancel();
                    }
                }));
            }
            var rows = batch.Count == 1 ? batch[0].Queries : Concatenate(batch);
            // The drain runs without any caller's context (above), so the batch's span names its parent: the
            // first caller's span, with a link to every other caller's, so each trace finds the shared fan-out.
            using var activity = batch[0].Caller == default && batch.All(s => s.Caller == default) ? null
                : Tracing.Source.StartActivity("fanout batch", ActivityKind.Internal, batch[0].Caller,
                    links: batch.Skip(1).Where(s => s.Caller != default).Select(s => new ActivityLink(s.Caller)));
            activity?.SetTag("vm.memory", key.Memory);
            activity?.SetTag("vm.callers", batch.Count);
            var result = await base.SearchAsync(key.Memory, key.Dimension, rows, key.K, key.Nprobe, key.Pruning, lane.Placement, key.InternLabel, abandon.Token)
                .ConfigureAwait(false);
            var offset = 0;
            foreach (var search in batch)
            {
                search.Result.TrySetResult(batch.Count == 1
                    ? result
                    : new FanoutResult(result.Neighbors[offset..(offset + search.Rows)], result.MissingShards, result.Retries));
                offset += search.Rows;
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            batch.ForEach(s => s.Result.TrySetCanceled(s.Token));
        }
#pragma warning disable CA1031 // whatever failed the batch is every caller's answer; the drain loop must survive it
        catch (Exception e)
#pragma warning restore CA1031
        {
            batch.ForEach(s => s.Result.TrySetException(e));
        }
        finally
        {
            // Before `abandon` is disposed: a callback still running is waited for.
            registrations.ForEach(r => r.Dispose());
        }
    }

    private static float[] Concatenate(List<Search> batch)
    {
        var rows = new float[batch.Sum(s => s.Queries.Length)];
        var offset = 0;
        foreach (var search in batch)
        {
            search.Queries.CopyTo(rows, offset);
            offset += search.Queries.Length;
        }
        return rows;
    }

    // Placements are rebuilt per request (fresh lists), so they are compared by content.
    private static string PlacementKey(IReadOnlyList<ShardReplicas> placement)
    {
        var text = new StringBuilder();
        foreach (var shard in placement)
        {
            ArgumentNullException.ThrowIfNull(shard);
            text.Append(shard.Shard).Append('=');
            foreach (var replica in shard.Replicas)
            {
                text.Append(replica.AbsoluteUri).Append(' ');
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    // The label mapper is part of the key because hits are decoded into its vocabulary; delegates
    // over the same target and method compare equal, so callers of one vocabulary share batches.
    private sealed record BatchKey(string Memory, int Dimension, int K, int Nprobe, PruningMode? Pruning, string Placement, Func<string, int> InternLabel);

    private sealed class Lane(BatchKey key, IReadOnlyList<ShardReplicas> placement)
    {
        public BatchKey Key { get; } = key;

        public IReadOnlyList<ShardReplicas> Placement { get; } = placement;

        public Queue<Search> Queue { get; } = new();

        public bool Draining { get; set; }
    }

    private sealed class Search(float[] queries, int rows, long queued, CancellationToken token)
    {
        public float[] Queries { get; } = queries;

        public int Rows { get; } = rows;

        public CancellationToken Token { get; } = token;

        public long Queued { get; } = queued;

        public TaskCompletionSource<FanoutResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The caller's span when it searched (default when not traced): the batch's spans join its trace.</summary>
        public ActivityContext Caller { get; } = Activity.Current?.Context ?? default;
    }
}
