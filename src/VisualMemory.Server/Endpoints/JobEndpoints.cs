using VisualMemory.ControlPlane;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;
using VisualMemory.Server.Jobs;

namespace VisualMemory.Server.Endpoints;

/// <summary>Bulk-ingest jobs: start one from a dataset manifest, follow its progress, cancel or resume it.</summary>
internal static class JobEndpoints
{
    public static void MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/jobs").WithTags("Jobs");
        group.MapPost("/ingest", async (HttpRequest request, JsonBody body, IngestJobs ingest, CancellationToken cancellationToken) =>
        {
            var (input, problem) = await body.ReadAsync<IngestJobRequest>(request).ConfigureAwait(false);
            if (input is null)
            {
                return problem!;
            }
            var (job, problems) = await ingest.CreateAsync(input, cancellationToken).ConfigureAwait(false);
            return job is null ? Problems.Invalid(problems) : Results.Accepted($"/v1/jobs/{job.Id}", IngestJobs.View(job, DateTimeOffset.UtcNow));
        }).WithSummary("Start a bulk-ingest job: every part of the manifest is read, filtered, embedded if needed and loaded as sealed segments; 202 with the job.");
        group.MapGet("/{id:long}", async (long id, IJobStore jobs, CancellationToken cancellationToken) =>
            await jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false) is { } job ? Results.Ok(IngestJobs.View(job, DateTimeOffset.UtcNow)) : UnknownJob(id))
            .WithSummary("A job's progress: totals, items/s, ETA, and each part's counts and first bad rows.");
        group.MapGet("", async (IJobStore jobs, CancellationToken cancellationToken) =>
            Results.Ok(new JobList([.. (await jobs.ListJobsAsync(100, cancellationToken).ConfigureAwait(false)).Select(j => IngestJobs.View(j, DateTimeOffset.UtcNow))])))
            .WithSummary("The newest jobs first.");
        group.MapPost("/{id:long}/cancel", (long id, IJobStore jobs, CancellationToken cancellationToken) =>
            SetStateAsync(id, JobState.Cancelled, "cancelled by request", jobs, cancellationToken))
            .WithSummary("Stop claiming the job's parts; a part being worked on finishes its current chunk. Rows already loaded stay.");
        group.MapPost("/{id:long}/resume", (long id, IJobStore jobs, CancellationToken cancellationToken) =>
            SetStateAsync(id, JobState.Running, null, jobs, cancellationToken))
            .WithSummary("Run a cancelled or failed job again: failed parts are retried from where they stopped, done parts are not redone.");
    }

    private static async Task<IResult> SetStateAsync(long id, JobState state, string? message, IJobStore jobs, CancellationToken cancellationToken)
    {
        if (await jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            return UnknownJob(id);
        }
        if (job.State == JobState.Succeeded)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Job finished.", detail: $"job {id} succeeded; start a new job to load more");
        }
        await jobs.SetJobStateAsync(id, state, message, cancellationToken).ConfigureAwait(false);
        return Results.Ok(IngestJobs.View((await jobs.GetJobAsync(id, cancellationToken).ConfigureAwait(false))!, DateTimeOffset.UtcNow));
    }

    private static IResult UnknownJob(long id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown job.", detail: $"no job {id}");
}
