using Microsoft.Extensions.Options;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// The node's ingest worker: claims parts of running ingest jobs for memories this node holds, one at a
/// time, runs them, and closes a job once every part has ended. A part whose worker died is claimed
/// again when its lease lapses and resumes from its last recorded chunk.
/// </summary>
/// <remarks>
/// In cluster mode a node with the Coordinator role also claims parts of jobs for distributed memories
/// (in the control plane, held by shard hosts): it reads and embeds the part and routes each chunk's rows
/// to the shards' primaries, as a coordinator routes writes. So every coordinator works on a job, the
/// parts spread over them through the control-plane leases, and a shard host without that role only
/// applies the writes it is sent.
/// </remarks>
internal sealed partial class IngestJobService(IJobStore jobs, MemoryCatalog catalog, IngestPartRunner runner, NodeIdentity identity,
    ClusterView view, IOptions<ClusterSettings> cluster, IOptions<IngestSettings> settings, ILogger<IngestJobService> logger) : BackgroundLoopService
{
    protected override Task<bool> StartingAsync(CancellationToken cancellationToken) => Task.FromResult(settings.Value.RunJobs);

    protected override async Task LoopAsync(CancellationToken stopping)
    {
        var poll = TimeSpan.FromMilliseconds(Math.Max(10, settings.Value.PollMilliseconds));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!await RunOnePartAsync(stopping).ConfigureAwait(false))
                {
                    await Task.Delay(poll, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The control plane may be briefly unreachable; the loop tries again rather than ending the worker.
                LogLoopFailed(e);
                await Task.Delay(poll * 4, stopping).ConfigureAwait(false);
            }
        }
    }

    // Claims and runs one part; false when there was none to claim.
    private async Task<bool> RunOnePartAsync(CancellationToken stopping)
    {
        var lease = TimeSpan.FromSeconds(settings.Value.PartLeaseSeconds);
        foreach (var job in await jobs.ListJobsAsync(1000, stopping).ConfigureAwait(false))
        {
            if (job.State != JobState.Running || job.Kind != IngestJobs.Kind || !await CanRunAsync(job.Memory, stopping).ConfigureAwait(false))
            {
                continue;
            }
            if (await jobs.ClaimPartAsync(identity.Name, lease, job.Id, stopping).ConfigureAwait(false) is { } claim)
            {
                try
                {
                    await runner.RunAsync(claim, identity.Name, stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
                {
                    // Not a row's fault (the model is missing, the memory was dropped): the part fails with the reason, the rest go on.
                    await jobs.RecordPartProgressAsync(claim.Job.Id, claim.Part, identity.Name, claim.ClaimEpoch,
                        System.Text.Json.JsonSerializer.Serialize((claim.ProgressJson is null ? IngestProgress.Empty
                            : System.Text.Json.JsonSerializer.Deserialize<IngestProgress>(claim.ProgressJson, IngestPartRunner.Json)!) with { Error = e.Message }, IngestPartRunner.Json),
                        PartState.Failed, CancellationToken.None).ConfigureAwait(false);
                    LogPartError(claim.Job.Id, claim.Name, e);
                }
                await CloseIfFinishedAsync(job.Id).ConfigureAwait(false);
                return true;
            }
            await CloseIfFinishedAsync(job.Id).ConfigureAwait(false);
        }
        return false;
    }

    // Held here, or distributed in the control plane while this node coordinates (see the remarks).
    private async Task<bool> CanRunAsync(string memory, CancellationToken cancellationToken)
    {
        if (catalog.Find(memory) is not null)
        {
            return true;
        }
        if (!cluster.Value.Distributed || !cluster.Value.Roles.HasFlag(NodeRoles.Coordinator) || catalog.RefusedReason(memory) is not null)
        {
            return false;
        }
        var snapshot = await view.GetAsync(TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds), cancellationToken).ConfigureAwait(false);
        return snapshot.Memory(memory) is not null;
    }

    private async Task CloseIfFinishedAsync(long id)
    {
        var job = await jobs.GetJobAsync(id, CancellationToken.None).ConfigureAwait(false);
        if (job is null || job.State != JobState.Running || job.Parts.Any(p => p.State is PartState.Pending or PartState.Running))
        {
            return;
        }
        var failed = job.Parts.Where(p => p.State == PartState.Failed).Select(p => p.Name).ToList();
        await jobs.SetJobStateAsync(id, failed.Count == 0 ? JobState.Succeeded : JobState.Failed,
            failed.Count == 0 ? null : $"{failed.Count} of {job.Parts.Count} parts failed ({string.Join(", ", failed.Take(10))}); fix them and POST /v1/jobs/{id}/resume",
            CancellationToken.None).ConfigureAwait(false);
        LogJobFinished(id, failed.Count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest worker loop failed; retrying")]
    private partial void LogLoopFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest job {Job} part {Part} failed")]
    private partial void LogPartError(long job, string part, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest job {Job} finished; {Failed} parts failed")]
    private partial void LogJobFinished(long job, int failed);
}
