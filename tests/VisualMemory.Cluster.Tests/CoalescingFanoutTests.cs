using System.Diagnostics;
using VisualMemory.Cluster.Coordination;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Search;
using Xunit.Abstractions;

namespace VisualMemory.Cluster.Tests;

/// <summary>
/// The coalescing fan-out against two real HTTP/2 shard hosts holding the same items: concurrent
/// callers get exactly what lone <see cref="ShardFanout"/> calls get, with fewer requests reaching the
/// hosts; a failing replica and a failing batch reach every caller alike; one caller's cancellation
/// leaves the others' answers intact.
/// </summary>
public sealed class CoalescingFanoutTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int D = 8;
    private const int Shards = 4;
    private static readonly string[] Labels = ["cat", "dog", "car", "cup", "sky"];
    private readonly List<TestShardHost> _hosts = [];
    private readonly LabelVocabulary _vocabulary = new();
    private readonly ShardSearchClient _client = new(TimeSpan.FromSeconds(30));
    private float[][] _vectors = [];

    public async Task InitializeAsync()
    {
        var random = new Random(5);
        _vectors = [.. Enumerable.Range(0, 400).Select(_ => Row(random))];
        for (var i = 0; i < 2; i++)
        {
            _hosts.Add(await TestShardHost.StartAsync(_vectors, Labels, Shards));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    public void Dispose() => _client.Dispose();

    private TestShardHost A => _hosts[0];

    private TestShardHost B => _hosts[1];

    private int Served => _hosts.Sum(h => h.Requests);

    private static float[] Row(Random random) => [.. Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f)];

    // Even shards prefer a, odd ones b: every batch reaches both hosts. Fresh lists each time, as a coordinator builds them.
    private List<ShardReplicas> BothReplicas() =>
        [.. Enumerable.Range(0, Shards).Select(s => new ShardReplicas(s, s % 2 == 0 ? [A.Address, B.Address] : [B.Address, A.Address]))];

    private CoalescingFanout Coalescing(CoalescingOptions? options = null, TimeSpan? timeout = null) =>
        new(_client, timeout ?? TimeSpan.FromSeconds(10), options ?? new CoalescingOptions());

    private Task<FanoutResult> Search(ShardFanout fanout, float[] queries, int k, List<ShardReplicas> placement, CancellationToken cancellationToken = default) =>
        fanout.SearchAsync("m", D, queries, k, 0, null, placement, _vocabulary.GetOrAdd, cancellationToken);

    private async Task<FanoutResult[]> Alone(float[][] queries, Func<int, int> k, List<ShardReplicas> placement, TimeSpan? timeout = null)
    {
        var plain = new ShardFanout(_client, timeout ?? TimeSpan.FromSeconds(10));
        var results = new FanoutResult[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            results[i] = await Search(plain, queries[i], k(i), placement);
        }
        return results;
    }

    private static float[][] Callers(int count, int seed, Func<int, int> rows)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => Enumerable.Range(0, rows(i)).SelectMany(_ => Row(random)).ToArray())];
    }

    private static void AssertSameAnswer(FanoutResult expected, FanoutResult actual)
    {
        Assert.Equal(expected.Neighbors.Length, actual.Neighbors.Length);
        for (var q = 0; q < expected.Neighbors.Length; q++)
        {
            Assert.Equal(expected.Neighbors[q], actual.Neighbors[q]);
        }
        Assert.Equal(expected.MissingShards, actual.MissingShards);
        Assert.Equal(expected.Retries, actual.Retries);
    }

    [Fact]
    public async Task Concurrent_callers_get_exactly_their_own_rows_with_fewer_shard_requests()
    {
        // 1 to 3 rows per caller and two values of k: two keys, batches of mixed sizes.
        var queries = Callers(40, 1, i => 1 + i % 3);
        Func<int, int> k = i => i % 2 == 0 ? 10 : 3;
        var expected = await Alone(queries, k, BothReplicas());
        Assert.Equal(2 * queries.Length, Served);

        A.ResetCounts();
        B.ResetCounts();
        A.Delay = B.Delay = TimeSpan.FromMilliseconds(20);
        var coalescing = Coalescing();
        var results = await Task.WhenAll(queries.Select((q, i) => Search(coalescing, q, k(i), BothReplicas())));
        for (var i = 0; i < queries.Length; i++)
        {
            AssertSameAnswer(expected[i], results[i]);
        }
        Assert.Equal(queries.Length, coalescing.Searches);
        Assert.Equal(2 * coalescing.Batches, Served);
        Assert.InRange(Served, 4, queries.Length);
        output.WriteLine($"{queries.Length} callers (two keys): {Served} shard requests in {coalescing.Batches} batches; alone: {2 * queries.Length}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    public async Task Measured_shard_requests_for_32_concurrent_single_query_callers(int maxWaitMicroseconds)
    {
        var queries = Callers(32, 2, _ => 1);
        var expected = await Alone(queries, _ => 10, BothReplicas());
        var alone = Served;
        A.ResetCounts();
        B.ResetCounts();
        // A shard host's answer takes a little while, as a real index search does.
        A.Delay = B.Delay = TimeSpan.FromMilliseconds(5);
        var coalescing = Coalescing(new CoalescingOptions(256, TimeSpan.FromMicroseconds(maxWaitMicroseconds)));
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(queries.Select(q => Task.Run(() => Search(coalescing, q, 10, BothReplicas()))));
        clock.Stop();
        for (var i = 0; i < queries.Length; i++)
        {
            AssertSameAnswer(expected[i], results[i]);
        }
        Assert.True(Served < queries.Length, $"{Served} shard requests for {queries.Length} callers");
        output.WriteLine($"32 concurrent callers, max wait {maxWaitMicroseconds} µs: {Served} shard requests ({coalescing.Batches} batches, rows per request {string.Join(",", A.RowsPerRequest)}) "
            + $"in {clock.ElapsedMilliseconds} ms; alone: {alone} shard requests");
    }

    [Fact]
    public async Task Batches_hold_at_most_the_row_cap_and_a_larger_caller_goes_alone()
    {
        var queries = Callers(20, 3, i => i == 7 ? 6 : 1);
        var expected = await Alone(queries, _ => 5, BothReplicas());
        A.ResetCounts();
        B.ResetCounts();
        A.Delay = B.Delay = TimeSpan.FromMilliseconds(20);
        var coalescing = Coalescing(new CoalescingOptions(MaxQueries: 4));
        var results = await Task.WhenAll(queries.Select(q => Search(coalescing, q, 5, BothReplicas())));
        for (var i = 0; i < queries.Length; i++)
        {
            AssertSameAnswer(expected[i], results[i]);
        }
        Assert.All(A.RowsPerRequest.Concat(B.RowsPerRequest), rows => Assert.True(rows is <= 4 or 6, $"{rows} rows"));
        Assert.Contains(6, A.RowsPerRequest);
        Assert.Equal(queries.Sum(q => q.Length / D), A.RowsPerRequest.Sum());
    }

    [Fact]
    public async Task A_refusing_or_silent_replica_and_a_missing_shard_reach_every_caller_alike()
    {
        var queries = Callers(16, 4, i => 1 + i % 2);
        var healthy = await Alone(queries, _ => 10, BothReplicas());

        // a refuses: shards 0 and 2 are retried on b, for every caller of every batch.
        A.Mode = HostMode.Refuse;
        A.Delay = B.Delay = TimeSpan.FromMilliseconds(10);
        var coalescing = Coalescing();
        var results = await Task.WhenAll(queries.Select(q => Search(coalescing, q, 10, BothReplicas())));
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(healthy[i].Neighbors, results[i].Neighbors);
            Assert.True(results[i].Complete);
            Assert.Equal(2, results[i].Retries);
        }

        // a is silent past the per-shard timeout: the same retries after one timeout per batch. (The
        // timeout leaves b's retry room on a loaded two-core machine that is still JIT-compiling Kestrel.)
        A.Mode = HostMode.Answer;
        A.Delay = TimeSpan.FromSeconds(30);
        coalescing = Coalescing(new CoalescingOptions(MaxWait: TimeSpan.FromMilliseconds(100)), TimeSpan.FromSeconds(1));
        results = await Task.WhenAll(queries.Select(q => Search(coalescing, q, 10, BothReplicas())));
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(healthy[i].Neighbors, results[i].Neighbors);
            Assert.Equal(2, results[i].Retries);
        }

        // Shard 0 only on the refusing a: every caller reports it missing, exactly as a lone call does.
        A.Mode = HostMode.Refuse;
        A.Delay = TimeSpan.FromMilliseconds(10);
        List<ShardReplicas> Single() => [new(0, [A.Address]), .. Enumerable.Range(1, Shards - 1).Select(s => new ShardReplicas(s, [B.Address]))];
        var expected = await Alone(queries, _ => 10, Single());
        coalescing = Coalescing();
        results = await Task.WhenAll(queries.Select(q => Search(coalescing, q, 10, Single())));
        for (var i = 0; i < queries.Length; i++)
        {
            AssertSameAnswer(expected[i], results[i]);
            Assert.Equal([0], results[i].MissingShards);
        }
    }

    [Fact]
    public async Task A_batch_that_fails_fails_every_caller_with_the_same_exception()
    {
        var queries = Callers(12, 5, _ => 1);
        A.Mode = HostMode.Malformed;
        A.Delay = B.Delay = TimeSpan.FromMilliseconds(50);
        var coalescing = Coalescing(new CoalescingOptions(MaxWait: TimeSpan.FromMilliseconds(100)));
        var calls = queries.Select(q => Search(coalescing, q, 10, BothReplicas())).ToArray();
        var failures = new List<Exception>();
        foreach (var call in calls)
        {
            failures.Add(await Assert.ThrowsAsync<InvalidDataException>(() => call));
        }
        // One batch (the wait gathered every caller): one exception, seen by all of them.
        Assert.Equal(1, coalescing.Batches);
        Assert.All(failures, f => Assert.Same(failures[0], f));

        // The lane recovers: the next batch answers.
        A.Mode = HostMode.Answer;
        var expected = await Alone(queries[..1], _ => 10, BothReplicas());
        AssertSameAnswer(expected[0], await Search(coalescing, queries[0], 10, BothReplicas()));
    }

    [Fact]
    public async Task Cancelling_one_caller_leaves_the_others_answers_intact()
    {
        var queries = Callers(8, 6, i => 1 + i % 2);
        var expected = await Alone(queries, _ => 10, BothReplicas());
        A.ResetCounts();
        B.ResetCounts();
        A.Delay = B.Delay = TimeSpan.FromSeconds(1);
        // The wait gathers all eight into one batch; caller 3 gives up once both hosts hold it.
        var coalescing = Coalescing(new CoalescingOptions(MaxWait: TimeSpan.FromMilliseconds(100)));
        using var cancel = new CancellationTokenSource();
        var calls = queries.Select((q, i) => Search(coalescing, q, 10, BothReplicas(), i == 3 ? cancel.Token : default)).ToArray();
        await WaitUntil(() => Served == 2);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => calls[3]);
        Assert.False(calls.Where((_, i) => i != 3).Any(c => c.IsCompleted), "the batch should still be in flight");
        for (var i = 0; i < queries.Length; i++)
        {
            if (i != 3)
            {
                AssertSameAnswer(expected[i], await calls[i]);
            }
        }
        Assert.Equal(1, coalescing.Batches);
        Assert.Equal(2, Served);

        // A caller that gives up while queued is never sent: x is in flight, y queued and canceled, z queued.
        A.ResetCounts();
        B.ResetCounts();
        coalescing = Coalescing();
        using var giveUp = new CancellationTokenSource();
        var x = Search(coalescing, queries[0], 10, BothReplicas());
        await WaitUntil(() => Served == 2);
        var y = Search(coalescing, queries[1], 10, BothReplicas(), giveUp.Token);
        var z = Search(coalescing, queries[2], 10, BothReplicas());
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => y);
        AssertSameAnswer(expected[0], await x);
        AssertSameAnswer(expected[2], await z);
        Assert.Equal(2, coalescing.Batches);
        Assert.Equal([queries[0].Length / D, queries[2].Length / D], A.RowsPerRequest);
    }

    [Fact]
    public async Task A_batch_every_caller_gave_up_on_is_abandoned()
    {
        var queries = Callers(3, 7, _ => 1);
        A.Delay = B.Delay = TimeSpan.FromSeconds(5);
        var coalescing = Coalescing(new CoalescingOptions(MaxWait: TimeSpan.FromMilliseconds(20)));
        using var cancel = new CancellationTokenSource();
        var calls = queries.Select(q => Search(coalescing, q, 10, BothReplicas(), cancel.Token)).ToArray();
        await WaitUntil(() => Served == 2);
        cancel.Cancel();
        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }
        // The shared request was canceled on the wire, not left running for nobody.
        await WaitUntil(() => A.Aborted + B.Aborted == 2);
        Assert.Equal(1, coalescing.Batches);
        // The lane is free again: a new caller is answered once the hosts are quick, not after the abandoned batch's 5 s.
        A.Delay = B.Delay = TimeSpan.Zero;
        var expected = await Alone(queries[..1], _ => 10, BothReplicas());
        var clock = Stopwatch.StartNew();
        AssertSameAnswer(expected[0], await Search(coalescing, queries[0], 10, BothReplicas()));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "condition not reached in 5 s");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Ragged_query_arrays_are_refused()
    {
        var coalescing = Coalescing();
        await Assert.ThrowsAsync<ArgumentException>(() => coalescing.SearchAsync("m", D, new float[D + 1], 10, 0, null, BothReplicas(), _vocabulary.GetOrAdd));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoalescingOptions(0).Validate());
    }
}
