using System.Text.Json;
using Microsoft.Extensions.Options;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Validation;
using VisualMemory.Datasets;
using VisualMemory.Datasets.Ingest;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Creating ingest jobs (checked before anything is recorded: the memory, the manifest, every part's files
/// and headers) and presenting them with totals, rate and ETA.
/// </summary>
/// <remarks>
/// The memory may be held by this node, or distributed (cluster mode: recorded in the control plane and
/// spread over shard hosts); its definition then comes from the control plane, as for a coordinator's
/// search. A distributed memory's chunks travel as one Protobuf write per shard, so its chunks are capped
/// to fit the internal body limit (recorded in the spec: a chunk's rows, hence its origin, never change).
/// </remarks>
internal sealed class IngestJobs(IJobStore jobs, MemoryCatalog catalog, DatasetFiles files, IOptions<IngestSettings> settings,
    ClusterView view, IOptions<ClusterSettings> cluster, IOptions<ApiSettings> api)
{
    /// <summary>Job kind recorded for ingest jobs.</summary>
    public const string Kind = "ingest";

    /// <summary>The new job, or the problems that refused it (nothing recorded then).</summary>
    public async Task<(JobRecord? Job, IReadOnlyList<FieldProblem> Problems)> CreateAsync(IngestJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<FieldProblem>();
        MemoryDefinition? memory = null;
        var distributed = false;
        if (string.IsNullOrWhiteSpace(request.Memory))
        {
            problems.Add(new("memory", "is required"));
        }
        else if (catalog.Find(request.Memory) is { } local)
        {
            memory = local.Definition;
        }
        else if (await FindDistributedAsync(request.Memory, cancellationToken).ConfigureAwait(false) is { } remote)
        {
            memory = remote.Definition;
            distributed = true;
        }
        else
        {
            problems.Add(new("memory", $"no memory '{request.Memory}' on this node or in the cluster; create it first (POST /v1/memories)"));
        }
        if (request.MinConfidence is { } min && !(min >= 0 && min <= 1))
        {
            problems.Add(new("minConfidence", "must be between 0 and 1"));
        }
        if (request.ChunkRows is < 1 or > 1_000_000)
        {
            problems.Add(new("chunkRows", "must be between 1 and 1,000,000"));
        }
        if (request.TrainSample is < 1 or > 10_000_000)
        {
            problems.Add(new("trainSample", "must be between 1 and 10,000,000"));
        }
        DatasetManifest? manifest = null;
        string? baseLocation = null;
        if (string.IsNullOrWhiteSpace(request.Manifest))
        {
            problems.Add(new("manifest", "is required: a path on the node or store://key"));
        }
        else
        {
            try
            {
                var location = DatasetFiles.Resolve(request.Manifest, Directory.GetCurrentDirectory());
                manifest = DatasetManifest.Parse(await files.ReadTextAsync(location, cancellationToken).ConfigureAwait(false), request.Manifest);
                baseLocation = DatasetFiles.BaseOf(location);
            }
            catch (Exception e) when (e is InvalidDataFileException or IOException or UnauthorizedAccessException)
            {
                problems.Add(new("manifest", e.Message));
            }
        }
        if (manifest is not null && memory is not null)
        {
            problems.AddRange(await CheckPartsAsync(manifest, baseLocation!, memory, cancellationToken).ConfigureAwait(false));
        }
        if (problems.Count > 0)
        {
            return (null, problems);
        }
        var chunkRows = request.ChunkRows ?? settings.Value.ChunkRows;
        if (distributed)
        {
            chunkRows = Math.Min(chunkRows, MaxDistributedChunkRows(memory!.Dimension, api.Value.MaxRequestBodyBytes));
        }
        var spec = new IngestJobSpec(manifest!, baseLocation!, request.MinConfidence, request.Labels,
            chunkRows, request.TrainSample ?? settings.Value.TrainSample);
        var id = await jobs.CreateJobAsync(Kind, memory!.Name, JsonSerializer.Serialize(spec, IngestPartRunner.Json),
            [.. manifest!.Parts.Select(p => p.Name)], cancellationToken).ConfigureAwait(false);
        return (await jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false), []);
    }

    /// <summary>
    /// The most rows per chunk of a distributed memory, so that one shard's write (at worst every row of a
    /// chunk) stays within the internal body limit: 4 bytes per float plus room for the id, label and source.
    /// </summary>
    internal static int MaxDistributedChunkRows(int dimension, long maxBodyBytes) =>
        (int)Math.Clamp(maxBodyBytes * 9 / 10 / (4L * dimension + 600), 1, 1_000_000);

    // The memory as the control plane describes it, when the node is in cluster mode and does not hold it.
    private async Task<RemoteMemory?> FindDistributedAsync(string name, CancellationToken cancellationToken) =>
        cluster.Value.Distributed && catalog.RefusedReason(name) is null
            ? await RemoteMemory.FindAsync(view, name, TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds), cancellationToken).ConfigureAwait(false)
            : null;

    // Every part's files open and their headers read now, so a typo fails the request, not the job an hour in.
    // Only headers are read (objects stream), several parts at a time: a manifest of a thousand parts in object
    // storage is a thousand round trips.
    private async Task<List<FieldProblem>> CheckPartsAsync(DatasetManifest manifest, string baseLocation, MemoryDefinition memory, CancellationToken cancellationToken)
    {
        var found = new FieldProblem?[manifest.Parts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, manifest.Parts.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, token) => found[i] = await CheckPartAsync(manifest.Parts[i], $"manifest.parts[{i}]", baseLocation, memory, token).ConfigureAwait(false)).ConfigureAwait(false);
        return [.. found.OfType<FieldProblem>()];
    }

    private async Task<FieldProblem?> CheckPartAsync(DatasetPart part, string field, string baseLocation, MemoryDefinition memory, CancellationToken cancellationToken)
    {
        if (part.Kind == DatasetPartKind.Images && memory.Model is null)
        {
            return new(field, $"part '{part.Name}' lists images, but memory '{memory.Name}' has no embedding model; create the memory with \"model\"");
        }
        try
        {
            using var reader = await PartReader.OpenAsync(IngestPartRunner.Resolved(part, baseLocation), files.OpenAsync, cancellationToken).ConfigureAwait(false);
            return part.Kind == DatasetPartKind.Embeddings && reader.Dimension != memory.Dimension
                ? new(field, $"part '{part.Name}' holds {reader.Dimension}-dimensional vectors; memory '{memory.Name}' holds {memory.Dimension}")
                : null;
        }
        catch (Exception e) when (e is InvalidDataFileException or IOException or UnauthorizedAccessException)
        {
            return new(field, $"part '{part.Name}': {e.Message}");
        }
    }

    /// <summary>The job as the API shows it.</summary>
    public static JobView View(JobRecord job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        var parts = job.Parts.Select(p =>
        {
            var progress = p.ProgressJson is null ? IngestProgress.Empty : JsonSerializer.Deserialize<IngestProgress>(p.ProgressJson, IngestPartRunner.Json)!;
            return (Record: p, Progress: progress);
        }).ToList();
        var rowsRead = parts.Sum(p => p.Progress.RowsRead);
        long? totalRows = parts.All(p => p.Progress.TotalRows is not null) ? parts.Sum(p => p.Progress.TotalRows!.Value) : null;
        var end = job.State == JobState.Running ? now : job.UpdatedAt;
        var seconds = Math.Max(1e-3, (end - job.CreatedAt).TotalSeconds);
        var rate = rowsRead / seconds;
        double? eta = job.State != JobState.Running ? 0 : totalRows is { } total && rate > 0 ? Math.Max(0, total - rowsRead) / rate : null;
        var totals = new JobTotals(rowsRead, totalRows, parts.Sum(p => p.Progress.Added), parts.Sum(p => p.Progress.Duplicates), parts.Sum(p => p.Progress.Filtered),
            parts.Sum(p => p.Progress.Bad), parts.Count(p => p.Record.State == PartState.Done), parts.Count(p => p.Record.State == PartState.Failed), parts.Count);
        JsonElement? quantizer = job.DataJson is null ? null : JsonDocument.Parse(job.DataJson).RootElement.Clone();
        return new JobView(job.Id, job.Kind, job.Memory, Name(job.State), job.Message, job.CreatedAt, job.UpdatedAt, totals, rate, eta,
            [.. parts.Select(p => new PartView(p.Record.Index, p.Record.Name, p.Record.State.ToString().ToLowerInvariant(), p.Record.Node,
                p.Progress.RowsRead, p.Progress.TotalRows, p.Progress.Added, p.Progress.Duplicates, p.Progress.Filtered, p.Progress.Bad,
                [.. p.Progress.BadSamples.Select(b => new BadRowView(b.Row, b.Message))], p.Progress.Error))],
            quantizer);
    }

    /// <summary>A state as the API spells it.</summary>
    public static string Name(JobState state) => state.ToString().ToLowerInvariant();
}
