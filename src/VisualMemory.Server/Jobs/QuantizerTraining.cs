using System.Text.Json;
using VisualMemory.ControlPlane;
using VisualMemory.Datasets.Ingest;
using Google.Protobuf;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Trains a memory's quantizer (IVF centroids, PQ codebooks) once, before its first bulk-loaded chunk, on a
/// sample of the job's first parts: the first <see cref="IngestJobSpec.TrainSample"/> rows that pass the
/// filter, in manifest order. The memory stores it in object storage, and every shard encodes with it.
/// </summary>
/// <remarks>
/// A distributed memory's replicas are memories of their own, so the worker trains the index itself and
/// sends it to every shard's primary as <c>WRITE_KIND_SET_QUANTIZER</c> (forwarded to the replicas, each
/// storing it as its <c>quantizer.faiss</c>). Workers on several nodes may train at once: shard 0's primary
/// arbitrates (the first quantizer it gets stays; later ones are answered with it, under the shard's write
/// order), and every worker sends shard 0's answer to the other shards, so all shards get the same one.
/// The job's data records it, so workers that start later skip training. To keep that rare, the worker of
/// part 0 trains while the others wait for it (their claims renewed) as long as part 0 is held under a live
/// lease; if it is not (pending, its worker dead), they train themselves rather than wait on nobody.
/// </remarks>
internal sealed partial class QuantizerTraining(IJobStore jobs, DatasetFiles files, ClusterWriter writer, ILogger<QuantizerTraining> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Trains the memory's quantizer when it needs one and has none; a no-op otherwise (Flat, or already trained).</summary>
    public async Task EnsureTrainedAsync(LocalMemory memory, IngestJobSpec spec, JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(spec);
        if (!memory.NeedsTraining)
        {
            return;
        }
        // Parts run one after another on a node; the gate keeps two from training the same memory at once.
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!memory.NeedsTraining)
            {
                return;
            }
            var (sample, rows) = await SampleAsync(memory.Definition, spec, cancellationToken).ConfigureAwait(false);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await memory.TrainQuantizerAsync(sample, cancellationToken: cancellationToken).ConfigureAwait(false);
            LogTrained(memory.Definition.Name, rows, clock.Elapsed.TotalSeconds);
            await jobs.SetJobDataAsync(job.Id, JsonSerializer.Serialize(new { quantizerTrainedOnRows = rows, trainingSeconds = clock.Elapsed.TotalSeconds }, IngestPartRunner.Json), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// For a distributed memory whose index needs training: unless the job's data says its quantizer is set,
    /// trains one on the sample and installs it on every shard (see the remarks); a no-op for Flat.
    /// </summary>
    public async Task EnsureDistributedAsync(MemoryDefinition definition, IngestJobSpec spec, JobRecord job, int part, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(job);
        if (!IngestPartRunner.IndexNeedsTraining(definition) || await QuantizerSetAsync(job.Id, cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        // Training at once on several nodes wastes their CPUs (and FAISS's threads contend badly): part 0's worker trains.
        while (part != 0 && await jobs.GetJobAsync(job.Id, cancellationToken).ConfigureAwait(false) is { } current
            && !IsSet(current.DataJson)
            && current.Parts.FirstOrDefault(p => p.Index == 0) is { State: PartState.Running, LeaseExpiresAt: { } expires } && expires > DateTimeOffset.UtcNow)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await QuantizerSetAsync(job.Id, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (sample, rows) = await SampleAsync(definition, spec, cancellationToken).ConfigureAwait(false);
            var sampleSeconds = clock.Elapsed.TotalSeconds;
            byte[] trained;
            using (var index = VisualMemory.Faiss.FaissIndex.Create(definition.Dimension, definition.Index))
            {
                // Preprocessed like items, as LocalMemory.TrainQuantizerAsync does.
                index.Train(definition.Preprocess(sample));
                trained = index.Serialize();
            }
            var trainingSeconds = clock.Elapsed.TotalSeconds;
            var arbiter = new ShardWrite { Memory = definition.Name, Shard = 0, Kind = WriteKind.SetQuantizer, Quantizer = ByteString.CopyFrom(trained), KeepExisting = true };
            var first = (await writer.WriteAsync([arbiter], cancellationToken).ConfigureAwait(false))[0];
            if (first.Response is not { } answer)
            {
                throw new InvalidOperationException($"memory '{definition.Name}': installing the quantizer on shard 0 failed: {first.Error}");
            }
            var winner = answer.Quantizer;
            var others = Enumerable.Range(1, definition.Shards - 1)
                .Select(s => new ShardWrite { Memory = definition.Name, Shard = s, Kind = WriteKind.SetQuantizer, Quantizer = winner }).ToList();
            var failed = (await writer.WriteAsync(others, cancellationToken).ConfigureAwait(false)).Where(o => o.Error is not null).ToList();
            if (failed.Count > 0)
            {
                throw new InvalidOperationException($"memory '{definition.Name}': installing the quantizer failed on {string.Join("; ", failed.Select(f => $"shard {f.Shard}: {f.Error}"))}");
            }
            LogTrained(definition.Name, rows, clock.Elapsed.TotalSeconds);
            await jobs.SetJobDataAsync(job.Id, JsonSerializer.Serialize(new
            {
                quantizerTrainedOnRows = rows, trainingSeconds, sampleSeconds, installSeconds = clock.Elapsed.TotalSeconds - trainingSeconds, quantizerSet = true, quantizerBytes = winner.Length,
                trainedHere = winner.Span.SequenceEqual(trained),
            }, IngestPartRunner.Json), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> QuantizerSetAsync(long job, CancellationToken cancellationToken) =>
        IsSet((await jobs.GetJobAsync(job, cancellationToken).ConfigureAwait(false))?.DataJson);

    private static bool IsSet(string? data)
    {
        if (data is null)
        {
            return false;
        }
        using var document = JsonDocument.Parse(data);
        return document.RootElement.TryGetProperty("quantizerSet", out var set) && set.ValueKind == JsonValueKind.True;
    }

    // The first TrainSample rows of the embedding parts that pass the filter, in manifest order (the same on every node).
    private async Task<(float[] Sample, int Rows)> SampleAsync(MemoryDefinition definition, IngestJobSpec spec, CancellationToken cancellationToken)
    {
        var d = definition.Dimension;
        var sample = new List<float>();
        var rows = 0;
        foreach (var listed in spec.Manifest.Parts.Where(p => p.Kind == DatasetPartKind.Embeddings))
        {
            using var reader = await PartReader.OpenAsync(IngestPartRunner.Resolved(listed, spec.BaseLocation), files.OpenAsync, cancellationToken).ConfigureAwait(false);
            while (rows < spec.TrainSample && reader.ReadChunk(Math.Min(spec.ChunkRows, spec.TrainSample - rows)) is { } chunk)
            {
                var (kept, _) = spec.Filter.Apply(chunk);
                if (kept.Count > 0 && kept.Dimension == d)
                {
                    sample.AddRange(kept.Vectors!);
                    rows += kept.Count;
                }
            }
            if (rows >= spec.TrainSample)
            {
                break;
            }
        }
        if (rows == 0)
        {
            throw new InvalidOperationException($"memory '{definition.Name}' needs its quantizer trained and the job's embedding parts give no usable rows to train on; train it first (load a sample, then POST .../seal)");
        }
        return ([.. sample], rows);
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained the quantizer of memory {Memory} on {Rows} sampled rows in {Seconds:F1} s")]
    private partial void LogTrained(string memory, int rows, double seconds);
}
