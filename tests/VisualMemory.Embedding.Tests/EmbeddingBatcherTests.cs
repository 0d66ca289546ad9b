using VisualMemory.Embedding.Batching;

namespace VisualMemory.Embedding.Tests;

/// <summary>
/// Dynamic batching: batched rows equal rows run alone, concurrent requests share runs, a full queue
/// refuses with a retry time, failures reach every caller of the batch, and a cancelled request is dropped.
/// The model here is a fixed row-wise function (the batcher is generic; the ONNX model's own batching
/// equivalence is tested with ONNX Runtime).
/// </summary>
public sealed class EmbeddingBatcherTests
{
    private const int In = 6;
    private const int Out = 3;

    // Row-wise: output row i depends only on input row i, like an embedding model.
    private static float[] Model(float[] input, int rows)
    {
        var output = new float[rows * Out];
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < Out; o++)
            {
                var sum = 0f;
                for (var i = 0; i < In; i++)
                {
                    sum += input[r * In + i] * (o + 1) * (i % 2 == 0 ? 1 : -0.5f);
                }
                output[r * Out + o] = MathF.Tanh(sum);
            }
        }
        return output;
    }

    private static float[] Row(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, In).Select(_ => (float)random.NextDouble())];
    }

    [Fact]
    public async Task Concurrent_requests_share_runs_and_each_gets_the_row_it_would_get_alone()
    {
        var runs = 0;
        await using var batcher = new EmbeddingBatcher(In, Out, (input, rows) =>
        {
            Interlocked.Increment(ref runs);
            Thread.Sleep(5);
            return Model(input, rows);
        }, new BatchingOptions { MaxBatchSize = 16, MaxWaitMicroseconds = 5000, QueueCapacity = 1000 });

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => batcher.EmbedAsync(Row(i)))));

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(Model(Row(i), 1), results[i]);
        }
        Assert.InRange(runs, 13, 100);
        Assert.Equal(200, batcher.Totals.Rows);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_a_retry_time()
    {
        using var release = new ManualResetEventSlim();
        await using var batcher = new EmbeddingBatcher(In, Out, (input, rows) =>
        {
            release.Wait();
            return Model(input, rows);
        }, new BatchingOptions { MaxBatchSize = 1, MaxWaitMicroseconds = 0, QueueCapacity = 2 });

        var first = batcher.EmbedAsync(Row(0));
        while (batcher.QueueDepth > 0)
        {
            await Task.Delay(5);   // the worker took the first and is blocked running it
        }
        var queued = new[] { batcher.EmbedAsync(Row(1)), batcher.EmbedAsync(Row(2)) };
        var refused = Assert.Throws<EmbeddingQueueFullException>(() => { _ = batcher.EmbedAsync(Row(3)); });
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));

        release.Set();
        Assert.Equal(Model(Row(0), 1), await first);
        Assert.Equal(Model(Row(2), 1), await queued[1]);
        Assert.Equal(Model(Row(3), 1), await batcher.EmbedAsync(Row(3)));
    }

    [Fact]
    public async Task A_failing_run_fails_every_caller_in_its_batch_and_the_next_batch_works()
    {
        var fail = true;
        await using var batcher = new EmbeddingBatcher(In, Out, (input, rows) =>
        {
            Thread.Sleep(20);
            return fail ? throw new InvalidOperationException("model broke") : Model(input, rows);
        }, new BatchingOptions { MaxBatchSize = 8, MaxWaitMicroseconds = 50_000 });

        var calls = Enumerable.Range(0, 4).Select(i => batcher.EmbedAsync(Row(i))).ToList();
        foreach (var call in calls)
        {
            Assert.Equal("model broke", (await Assert.ThrowsAsync<InvalidOperationException>(() => call)).Message);
        }
        fail = false;
        Assert.Equal(Model(Row(9), 1), await batcher.EmbedAsync(Row(9)));
    }

    [Fact]
    public async Task A_request_cancelled_while_queued_is_never_run()
    {
        using var release = new ManualResetEventSlim();
        var rowsRun = 0;
        await using var batcher = new EmbeddingBatcher(In, Out, (input, rows) =>
        {
            release.Wait();
            Interlocked.Add(ref rowsRun, rows);
            return Model(input, rows);
        }, new BatchingOptions { MaxBatchSize = 1, MaxWaitMicroseconds = 0 });

        var first = batcher.EmbedAsync(Row(0));
        while (batcher.QueueDepth > 0)
        {
            await Task.Delay(5);
        }
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.EmbedAsync(Row(1), cancel.Token);
        await cancel.CancelAsync();
        release.Set();
        await first;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(Model(Row(2), 1), await batcher.EmbedAsync(Row(2)));
        Assert.Equal(2, rowsRun);
    }

    [Fact]
    public async Task Bad_rows_and_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingBatcher(In, Out, Model, new BatchingOptions { MaxBatchSize = 0 }));
        await using var batcher = new EmbeddingBatcher(In, Out, Model, new BatchingOptions());
        Assert.Throws<ArgumentException>(() => { _ = batcher.EmbedAsync(new float[In + 1]); });
    }
}
