using VisualMemory.Core.Diagnostics;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VisualMemory.ControlPlane;
using VisualMemory.Datasets;
using VisualMemory.Datasets.Ingest;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Embedding;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Runs one claimed part of an ingest job: reads it chunk by chunk from where the last worker recorded,
/// filters, embeds image rows, and bulk-loads each chunk into the memory as sealed segments (one per
/// shard, registered at once), recording the part's progress in the control plane after every chunk.
/// </summary>
/// <remarks>
/// Exactly once: a chunk's segments carry the origin <c>job-{id}/part-{n}/row-{first}</c>. Progress is
/// recorded after the chunk is registered, so a worker killed in between leaves progress at the chunk's
/// start; the next worker reads the same chunk (same rows, same origin), and the memory reports the rows
/// it already holds from that origin instead of adding them twice, so the counts come out exact.
/// <para>A distributed memory (cluster mode, not held by this node) gets each chunk split by shard (the
/// engine's <see cref="VisualMemory.Core.Routing.ShardRouter"/>) and sent to every shard's primary as one
/// <c>WRITE_KIND_BULK_LOAD</c> write with the chunk's origin (<see cref="ClusterWriter"/>); the primary
/// bulk-loads it into its replica and forwards it to the others, each registering the same origin, so
/// the same exactly-once argument holds per replica and the counts are the primaries' answers.</para>
/// </remarks>
internal sealed partial class IngestPartRunner(IJobStore jobs, MemoryCatalog catalog, EmbeddingService embedding, DatasetFiles files,
    QuantizerTraining training, ClusterView view, ClusterWriter writer, IOptions<ClusterSettings> cluster, IOptions<IngestSettings> settings,
    ILogger<IngestPartRunner> logger)
{
    // How long a chunk's shard writes are retried (the primary moving, a quorum briefly short) before the part fails.
    private static readonly TimeSpan ShardRetryWindow = TimeSpan.FromSeconds(60);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs the part until it is done, fails, the claim is lost, or <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(PartClaim claim, string node, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var spec = JsonSerializer.Deserialize<IngestJobSpec>(claim.Job.SpecJson, Json)!;
        var progress = claim.ProgressJson is null ? IngestProgress.Empty : JsonSerializer.Deserialize<IngestProgress>(claim.ProgressJson, Json)!;
        var lease = TimeSpan.FromSeconds(settings.Value.PartLeaseSeconds);
        async Task<bool> Record(IngestProgress value, PartState? final = null) =>
            await jobs.RecordPartProgressAsync(claim.Job.Id, claim.Part, node, claim.ClaimEpoch, JsonSerializer.Serialize(value, Json), final, CancellationToken.None).ConfigureAwait(false);

        var local = catalog.Find(claim.Job.Memory);
        var remote = local is null && cluster.Value.Distributed && catalog.RefusedReason(claim.Job.Memory) is null
            ? await RemoteMemory.FindAsync(view, claim.Job.Memory, TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds), stopping).ConfigureAwait(false)
            : null;
        if (local is null && remote is null)
        {
            await Record(progress with { Error = $"memory '{claim.Job.Memory}' is neither on this node nor in the cluster" }, PartState.Failed).ConfigureAwait(false);
            return;
        }
        var memory = new IngestTarget(local?.Definition ?? remote!.Definition, local);
        var part = Resolved(spec.Manifest.Parts[claim.Part], spec.BaseLocation);
        var clock = Stopwatch.StartNew();
        var secondsBefore = progress.Seconds;
        try
        {
            // Training can take minutes (or wait for another part's training on this node): the claim is renewed meanwhile.
            using (var renewingTraining = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                var before = progress;
                var renewal = RenewAsync(() => Record(before), lease / 3, renewingTraining.Token);
                try
                {
                    await (local is not null
                        ? training.EnsureTrainedAsync(local, spec, claim.Job, stopping)
                        : training.EnsureDistributedAsync(memory.Definition, spec, claim.Job, claim.Part, stopping)).ConfigureAwait(false);
                }
                finally
                {
                    await renewingTraining.CancelAsync().ConfigureAwait(false);
                    await renewal.ConfigureAwait(false);
                }
            }
            using var reader = await PartReader.OpenAsync(part, files.OpenAsync, stopping).ConfigureAwait(false);
            reader.Skip(progress.RowsRead);
            progress = progress with { TotalRows = reader.TotalRows };
            while (!stopping.IsCancellationRequested)
            {
                var chunk = reader.ReadChunk(spec.ChunkRows);
                if (chunk is null)
                {
                    await Record(progress with { Seconds = secondsBefore + clock.Elapsed.TotalSeconds }, PartState.Done).ConfigureAwait(false);
                    LogPartDone(claim.Job.Id, part.Name, progress.Added, progress.Duplicates, progress.Filtered, progress.Bad);
                    return;
                }
                // The claim is renewed while a long chunk (images) is worked on, so no other worker takes the part meanwhile.
                using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var current = progress;
                var renewal = RenewAsync(() => Record(current), lease / 3, renewing.Token);
                IngestProgress next;
                try
                {
                    next = await LoadChunkAsync(memory, spec, claim, part, chunk, progress, stopping).ConfigureAwait(false);
                }
                finally
                {
                    await renewing.CancelAsync().ConfigureAwait(false);
                    await renewal.ConfigureAwait(false);
                }
                progress = next with { Seconds = secondsBefore + clock.Elapsed.TotalSeconds };
                if (!await Record(progress).ConfigureAwait(false))
                {
                    LogClaimLost(claim.Job.Id, part.Name);
                    return;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataFileException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            // The part as a whole cannot be read: it fails with the reason; the job's other parts go on.
            await Record(progress with { Error = e.Message, Seconds = secondsBefore + clock.Elapsed.TotalSeconds }, PartState.Failed).ConfigureAwait(false);
            LogPartFailed(claim.Job.Id, part.Name, e.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The node is stopping: the claim lapses and the part resumes from its last recorded chunk.
        }
    }

    private async Task<IngestProgress> LoadChunkAsync(IngestTarget memory, IngestJobSpec spec, PartClaim claim, DatasetPart part, IngestChunk chunk,
        IngestProgress progress, CancellationToken cancellationToken)
    {
        using var activity = Tracing.Source.StartActivity("ingest chunk");
        activity?.SetTag("vm.job", claim.Job.Id);
        activity?.SetTag("vm.part", claim.Part);
        activity?.SetTag("vm.first_row", chunk.FirstRow);
        activity?.SetTag("vm.rows", chunk.RowsRead);
        var bad = new List<BadRow>(chunk.Errors.Select(e => new BadRow(e.Row, e.Message)));
        var (kept, filtered) = spec.Filter.Apply(chunk);
        float[] vectors;
        if (kept.Vectors is { } given)
        {
            if (kept.Count > 0 && kept.Dimension != memory.Definition.Dimension)
            {
                throw new InvalidDataFileException($"{part.Vectors}: {kept.Dimension}-dimensional vectors for a {memory.Definition.Dimension}-dimensional memory");
            }
            vectors = given;
        }
        else
        {
            (kept, vectors) = await EmbedImagesAsync(memory, part, kept, bad, cancellationToken).ConfigureAwait(false);
        }
        var added = 0L;
        var duplicates = 0L;
        if (kept.Count > 0)
        {
            var origin = $"job-{claim.Job.Id}/part-{claim.Part}/row-{chunk.FirstRow}";
            var result = memory.Local is { } local
                ? Counts.Of(await local.BulkLoadAsync(origin, kept.Ids, kept.Labels, vectors, kept.Sources, cancellationToken).ConfigureAwait(false))
                : await LoadDistributedAsync(memory.Definition, origin, kept, vectors, cancellationToken).ConfigureAwait(false);
            // A chunk registered before its worker died counts what that run added, not duplicates of itself.
            added = result.Added + result.PreviouslyAdded;
            duplicates = result.Duplicates + (result.AlreadyLoadedRows - result.PreviouslyAdded);
        }
        var samples = progress.BadSamples.Concat(bad.OrderBy(b => b.Row)).Take(IngestProgress.MaxSamples).ToList();
        return progress with
        {
            RowsRead = progress.RowsRead + chunk.RowsRead,
            Added = progress.Added + added,
            Duplicates = progress.Duplicates + duplicates,
            Filtered = progress.Filtered + filtered,
            Bad = progress.Bad + bad.Count,
            BadSamples = samples,
        };
    }

    // One chunk of a distributed memory: each shard's rows to its primary (which replicates them), all with
    // the chunk's origin. Shards that failed are sent again until the retry window closes: a shard that did
    // register the chunk answers "already loaded" with what it added then, so retrying never counts twice.
    private async Task<Counts> LoadDistributedAsync(MemoryDefinition definition, string origin, IngestChunk kept, float[] vectors, CancellationToken cancellationToken)
    {
        var sources = kept.Sources.Any(s => s is not null) ? kept.Sources : null;
        var pending = ClusterWriter.SplitBulkLoad(definition.Name, definition.Shards, definition.Dimension, origin, kept.Ids, kept.Labels, sources, vectors);
        var total = new Counts(0, 0, 0, 0);
        var deadline = DateTime.UtcNow + ShardRetryWindow;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var outcomes = await writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
            foreach (var answer in outcomes.Where(o => o.Response is not null).Select(o => o.Response!))
            {
                total = new Counts(total.Added + answer.Added, total.Duplicates + answer.Duplicates,
                    total.AlreadyLoadedRows + answer.AlreadyLoadedRows, total.PreviouslyAdded + answer.PreviouslyAdded);
            }
            var failed = outcomes.Where(o => o.Error is not null).ToList();
            if (failed.Count == 0)
            {
                return total;
            }
            var reasons = string.Join("; ", failed.Select(f => $"shard {f.Shard}: {f.Error}"));
            if (DateTime.UtcNow + delay > deadline)
            {
                throw new InvalidOperationException($"memory '{definition.Name}', chunk {origin}: {reasons}");
            }
            LogShardRetry(origin, reasons);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            var again = failed.Select(f => f.Shard).ToHashSet();
            pending = [.. pending.Where(w => again.Contains(w.Shard))];
        }
    }

    /// <summary>Whether an index of this description needs a trained quantizer before rows can be encoded (IVF, PQ).</summary>
    internal static bool IndexNeedsTraining(MemoryDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        using var probe = VisualMemory.Faiss.FaissIndex.Create(definition.Dimension, definition.Index);
        return !probe.IsTrained;
    }

    // What bulk-loading one chunk did, summed over shards (BulkLoadResult's counts).
    private readonly record struct Counts(long Added, long Duplicates, long AlreadyLoadedRows, long PreviouslyAdded)
    {
        public static Counts Of(BulkLoadResult result) => new(result.Added, result.Duplicates, result.AlreadyLoadedRows, result.PreviouslyAdded);
    }

    // The memory a part loads: its definition, and the memory itself when this node holds it (null: distributed).
    private sealed record IngestTarget(MemoryDefinition Definition, LocalMemory? Local);

    // Each image is fetched and embedded with the memory's model; one that cannot be read or decoded is a bad row, not a failed chunk.
    private async Task<(IngestChunk Kept, float[] Vectors)> EmbedImagesAsync(IngestTarget memory, DatasetPart part, IngestChunk chunk, List<BadRow> bad, CancellationToken cancellationToken)
    {
        var listingBase = DatasetFiles.BaseOf(part.Images!);
        var vectors = new float[chunk.Count][];
        var errors = new string?[chunk.Count];
        var batch = Math.Max(1, settings.Value.ImageBatch);
        for (var start = 0; start < chunk.Count; start += batch)
        {
            var indexes = Enumerable.Range(start, Math.Min(batch, chunk.Count - start));
            await Task.WhenAll(indexes.Select(async i =>
            {
                try
                {
                    byte[] image;
                    using (var stream = await files.OpenAsync(DatasetFiles.Resolve(chunk.Uris![i], listingBase), cancellationToken).ConfigureAwait(false))
                    using (var buffer = new MemoryStream())
                    {
                        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                        image = buffer.ToArray();
                    }
                    vectors[i] = (await embedding.EmbedForAsync(memory.Definition, [image], cancellationToken).ConfigureAwait(false))[0];
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Imaging.ImageDecodeException)
                {
                    errors[i] = $"{chunk.Uris![i]}: {e.Message}";
                }
            })).ConfigureAwait(false);
        }
        for (var i = 0; i < chunk.Count; i++)
        {
            if (errors[i] is { } error)
            {
                bad.Add(new BadRow(chunk.Rows[i], error));
            }
        }
        var kept = chunk.Where(i => errors[i] is null);
        var d = memory.Definition.Dimension;
        var packed = new float[kept.Count * d];
        var k = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            if (errors[i] is null)
            {
                vectors[i].CopyTo(packed.AsSpan(k++ * d, d));
            }
        }
        return (kept, packed);
    }

    private static async Task RenewAsync(Func<Task<bool>> record, TimeSpan every, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
                await record().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The chunk finished.
        }
    }

    /// <summary>The part with every file reference resolved against the manifest's location.</summary>
    internal static DatasetPart Resolved(DatasetPart part, string baseLocation)
    {
        string? R(string? reference) => reference is null ? null : DatasetFiles.Resolve(reference, baseLocation);
        return part with
        {
            Vectors = R(part.Vectors),
            Metadata = R(part.Metadata),
            Ids = R(part.Ids),
            Labels = R(part.Labels),
            Confidence = R(part.Confidence),
            Sources = R(part.Sources),
            Images = R(part.Images),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest job {Job} part {Part} done: {Added} added, {Duplicates} duplicates, {Filtered} filtered, {Bad} bad rows")]
    private partial void LogPartDone(long job, string part, long added, long duplicates, long filtered, long bad);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest job {Job} part {Part} failed: {Reason}")]
    private partial void LogPartFailed(long job, string part, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest chunk {Origin}: shard writes failed ({Reasons}); retrying those shards")]
    private partial void LogShardRetry(string origin, string reasons);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest job {Job} part {Part}: the claim was taken over by another worker; stopping here")]
    private partial void LogClaimLost(long job, string part);
}
