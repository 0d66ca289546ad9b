using System.Diagnostics;
using System.Threading.Channels;
using VisualMemory.Core.Diagnostics;

namespace VisualMemory.Embedding.Batching;

/// <summary>
/// Dynamic batching in front of a model: requests queue, one worker takes the first waiting request,
/// gathers more until <see cref="BatchingOptions.MaxBatchSize"/> or <see cref="BatchingOptions.MaxWaitMicroseconds"/>,
/// runs the model once on the batch and hands each caller its own rows. One run at a time, because the
/// model parallelises inside (ONNX Runtime's intra-op threads); batching is what buys throughput.
/// A full queue refuses at once (<see cref="EmbeddingQueueFullException"/>) instead of letting latency grow.
/// </summary>
/// <remarks>Thread-safe. Rows are independent in the model, so a batched row equals the row run alone (within float tolerance).</remarks>
public sealed class EmbeddingBatcher : IAsyncDisposable
{
    private readonly Func<float[], int, float[]> _run;
    private readonly BatchingOptions _options;
    private readonly Channel<Request> _queue;
    private readonly Task _worker;
    private readonly CancellationTokenSource _stopping = new();
    private long _completed;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Starts the worker.</summary>
    /// <param name="inputLength">Floats per input row.</param>
    /// <param name="outputLength">Floats per output row.</param>
    /// <param name="run">Runs the model on n rows laid end to end and returns n output rows end to end.</param>
    /// <param name="options">Batch size, wait and queue capacity.</param>
    /// <exception cref="ArgumentException">Bad lengths or options.</exception>
    public EmbeddingBatcher(int inputLength, int outputLength, Func<float[], int, float[]> run, BatchingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputLength, 1);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        InputLength = inputLength;
        OutputLength = outputLength;
        _run = run;
        _options = options;
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>Floats per input row.</summary>
    public int InputLength { get; }

    /// <summary>Floats per output row.</summary>
    public int OutputLength { get; }

    /// <summary>Requests waiting (not counting the batch being run).</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Requests the queue holds at most; more are refused.</summary>
    public int QueueCapacity => _options.QueueCapacity;

    /// <summary>Model runs so far and the rows they carried, for batch-size metrics.</summary>
    public (long Runs, long Rows) Totals => (Interlocked.Read(ref _runs), Interlocked.Read(ref _completed));

    private long _runs;

    /// <summary>Queues one row and returns its output once its batch has run.</summary>
    /// <exception cref="EmbeddingQueueFullException">The queue is full.</exception>
    /// <exception cref="ObjectDisposedException">The batcher is stopping.</exception>
    public Task<float[]> EmbedAsync(float[] input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length != InputLength)
        {
            throw new ArgumentException($"an input row has {InputLength} floats, not {input.Length}", nameof(input));
        }
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var request = new Request(input, cancellationToken);
        if (!_queue.Writer.TryWrite(request))
        {
            throw new EmbeddingQueueFullException(RetryAfter());
        }
        return request.Result.Task;
    }

    /// <summary>Stops taking requests, finishes what is queued, and stops the worker.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        _stopping.Dispose();
    }

    // The queue drains at the recent rate; a client waiting that long finds room.
    private TimeSpan RetryAfter()
    {
        var perSecond = Interlocked.Read(ref _completed) / Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        var seconds = perSecond <= 0 ? 1 : Math.Ceiling(_queue.Reader.Count / perSecond);
        return TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 60));
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>(_options.MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var deadline = Stopwatch.GetTimestamp() + _options.MaxWaitMicroseconds * Stopwatch.Frequency / 1_000_000;
            while (batch.Count < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var request))
                {
                    if (!request.Cancellation.IsCancellationRequested)
                    {
                        batch.Add(request);
                    }
                    else
                    {
                        request.Result.TrySetCanceled(request.Cancellation);
                    }
                    continue;
                }
                var left = deadline - Stopwatch.GetTimestamp();
                if (batch.Count == 0 || left <= 0)
                {
                    if (batch.Count > 0)
                    {
                        break;
                    }
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                using var wait = new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(1, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (wait.IsCancellationRequested)
                {
                    break;
                }
            }
            if (batch.Count > 0)
            {
                Run(batch);
            }
        }
    }

    private void Run(List<Request> batch)
    {
        var runStart = Stopwatch.GetTimestamp();
        if (StageTiming.Enabled)
        {
            foreach (var request in batch)
            {
                StageTiming.Record("queue_wait", Stopwatch.GetElapsedTime(request.Queued, runStart));
            }
        }
        EmbeddingMetrics.BatchSize.Record(batch.Count);
        var input = new float[batch.Count * InputLength];
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Input.CopyTo(input, i * InputLength);
        }
        float[] output;
        try
        {
            output = _run(input, batch.Count);
            StageTiming.Record("embed", runStart);
            if (output.Length != batch.Count * OutputLength)
            {
                throw new InvalidOperationException($"the model returned {output.Length} floats for {batch.Count} rows of {OutputLength}");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            batch.ForEach(r => r.Result.TrySetException(e));
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(output.AsSpan(i * OutputLength, OutputLength).ToArray());
        }
        Interlocked.Increment(ref _runs);
        Interlocked.Add(ref _completed, batch.Count);
    }

    private sealed record Request(float[] Input, CancellationToken Cancellation)
    {
        /// <summary>When it was queued (<see cref="Stopwatch.GetTimestamp"/>), for the queue-wait metric.</summary>
        public long Queued { get; } = Stopwatch.GetTimestamp();

        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
