using System.Text.Json;
using VisualMemory.ControlPlane;
using VisualMemory.Datasets.Ingest;
using VisualMemory.Engine;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Trains a memory's quantizer (IVF centroids, PQ codebooks) once, before its first bulk-loaded chunk, on a
/// sample of the job's first parts: the first <see cref="IngestJobSpec.TrainSample"/> rows that pass the
/// filter, in manifest order. The memory stores it in object storage, and every shard encodes with it.
/// </summary>
internal sealed partial class QuantizerTraining(IJobStore jobs, DatasetFiles files, ILogger<QuantizerTraining> logger) : IDisposable
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
            var d = memory.Definition.Dimension;
            var sample = new List<float>();
            var rows = 0;
            foreach (var listed in spec.Manifest.Parts.Where(p => p.Kind == DatasetPartKind.Embeddings))
            {
                using var reader = PartReader.Open(IngestPartRunner.Resolved(listed, spec.BaseLocation), files.Open);
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
                throw new InvalidOperationException($"memory '{memory.Definition.Name}' needs its quantizer trained and the job's embedding parts give no usable rows to train on; train it first (load a sample, then POST .../seal)");
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await memory.TrainQuantizerAsync(sample.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            LogTrained(memory.Definition.Name, rows, clock.Elapsed.TotalSeconds);
            await jobs.SetJobDataAsync(job.Id, JsonSerializer.Serialize(new { quantizerTrainedOnRows = rows, trainingSeconds = clock.Elapsed.TotalSeconds }, IngestPartRunner.Json), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained the quantizer of memory {Memory} on {Rows} sampled rows in {Seconds:F1} s")]
    private partial void LogTrained(string memory, int rows, double seconds);
}
