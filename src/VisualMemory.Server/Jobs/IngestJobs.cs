using System.Text.Json;
using Microsoft.Extensions.Options;
using VisualMemory.ControlPlane;
using VisualMemory.Core.Validation;
using VisualMemory.Datasets;
using VisualMemory.Datasets.Ingest;
using VisualMemory.Engine;
using VisualMemory.Server.Contracts;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Creating ingest jobs (checked before anything is recorded: the memory, the manifest, every part's files
/// and headers) and presenting them with totals, rate and ETA.
/// </summary>
internal sealed class IngestJobs(IJobStore jobs, MemoryCatalog catalog, DatasetFiles files, IOptions<IngestSettings> settings)
{
    /// <summary>Job kind recorded for ingest jobs.</summary>
    public const string Kind = "ingest";

    /// <summary>The new job, or the problems that refused it (nothing recorded then).</summary>
    public async Task<(JobRecord? Job, IReadOnlyList<FieldProblem> Problems)> CreateAsync(IngestJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<FieldProblem>();
        LocalMemory? memory = null;
        if (string.IsNullOrWhiteSpace(request.Memory))
        {
            problems.Add(new("memory", "is required"));
        }
        else if ((memory = catalog.Find(request.Memory)) is null)
        {
            problems.Add(new("memory", $"no memory '{request.Memory}' on this node; create it first (POST /v1/memories)"));
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
                manifest = DatasetManifest.Parse(files.ReadText(location), request.Manifest);
                baseLocation = DatasetFiles.BaseOf(location);
            }
            catch (Exception e) when (e is InvalidDataFileException or IOException or UnauthorizedAccessException)
            {
                problems.Add(new("manifest", e.Message));
            }
        }
        if (manifest is not null && memory is not null)
        {
            problems.AddRange(CheckParts(manifest, baseLocation!, memory));
        }
        if (problems.Count > 0)
        {
            return (null, problems);
        }
        var spec = new IngestJobSpec(manifest!, baseLocation!, request.MinConfidence, request.Labels,
            request.ChunkRows ?? settings.Value.ChunkRows, request.TrainSample ?? settings.Value.TrainSample);
        var id = await jobs.CreateJobAsync(Kind, memory!.Definition.Name, JsonSerializer.Serialize(spec, IngestPartRunner.Json),
            [.. manifest!.Parts.Select(p => p.Name)], cancellationToken).ConfigureAwait(false);
        return (await jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false), []);
    }

    // Every part's files open and their headers read now, so a typo fails the request, not the job an hour in.
    private List<FieldProblem> CheckParts(DatasetManifest manifest, string baseLocation, LocalMemory memory)
    {
        var problems = new List<FieldProblem>();
        for (var i = 0; i < manifest.Parts.Count; i++)
        {
            var part = manifest.Parts[i];
            var field = $"manifest.parts[{i}]";
            if (part.Kind == DatasetPartKind.Images && memory.Definition.Model is null)
            {
                problems.Add(new(field, $"part '{part.Name}' lists images, but memory '{memory.Definition.Name}' has no embedding model; create the memory with \"model\""));
                continue;
            }
            try
            {
                using var reader = PartReader.Open(IngestPartRunner.Resolved(part, baseLocation), files.Open);
                if (part.Kind == DatasetPartKind.Embeddings && reader.Dimension != memory.Definition.Dimension)
                {
                    problems.Add(new(field, $"part '{part.Name}' holds {reader.Dimension}-dimensional vectors; memory '{memory.Definition.Name}' holds {memory.Definition.Dimension}"));
                }
            }
            catch (Exception e) when (e is InvalidDataFileException or IOException or UnauthorizedAccessException)
            {
                problems.Add(new(field, $"part '{part.Name}': {e.Message}"));
            }
        }
        return problems;
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
