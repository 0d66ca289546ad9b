namespace VisualMemory.ControlPlane;

/// <summary>
/// Bulk-ingest jobs and their per-part progress, kept in the control plane so a job survives the node that
/// runs it: a killed worker's part is claimed again once its lease lapses and resumes from the last
/// recorded progress. Parts are claimed one at a time by any node able to run them, so a job's parts spread
/// over its workers. Leases are judged by the database clock, like node leases. Implemented by both
/// cluster stores (same database, schema version 5).
/// </summary>
public interface IJobStore
{
    /// <summary>Records a new job in state <see cref="JobState.Running"/> with one <see cref="PartState.Pending"/> part per name, in order; returns its id (1, 2, …).</summary>
    /// <param name="kind">What the job does (for example <c>ingest</c>).</param>
    /// <param name="memory">The memory it writes to.</param>
    /// <param name="specJson">Everything a worker needs to run it (manifest, filters, options), as the caller encodes it.</param>
    /// <param name="parts">Part names, unique.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<long> CreateJobAsync(string kind, string memory, string specJson, IReadOnlyList<string> parts, CancellationToken cancellationToken = default);

    /// <summary>The job with its parts (by index), or null when there is none with that id.</summary>
    Task<JobRecord?> GetJobAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The newest jobs first, with their parts; at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims the lowest-numbered part of a <see cref="JobState.Running"/> job that is Pending, or Running
    /// under a lease that has expired (its worker died), for <paramref name="node"/> until the lease ends;
    /// the part becomes Running with its progress kept. Null when no part is claimable.
    /// When <paramref name="jobId"/> is given, only that job's parts are considered.
    /// </summary>
    Task<PartClaim?> ClaimPartAsync(string node, TimeSpan lease, long? jobId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a claimed part's progress (and renews the claim's lease); with <paramref name="finalState"/>
    /// also ends it (Done or Failed). Only while <paramref name="node"/> holds the claim with
    /// <paramref name="claimEpoch"/>: false, writing nothing, when the claim was lost (the lease lapsed and another node took the part).
    /// </summary>
    Task<bool> RecordPartProgressAsync(long jobId, int part, string node, long claimEpoch, string progressJson, PartState? finalState = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the job's state (Succeeded, Failed or Cancelled end it; Running resumes a cancelled or failed
    /// job, whose Failed parts become Pending again) and an optional message; false when the job is unknown.
    /// </summary>
    Task<bool> SetJobStateAsync(long id, JobState state, string? message = null, CancellationToken cancellationToken = default);

    /// <summary>Stores a job-wide value workers share (for example that the quantizer is trained), replacing the previous one; false when the job is unknown.</summary>
    Task<bool> SetJobDataAsync(long id, string dataJson, CancellationToken cancellationToken = default);
}

/// <summary>A job's state.</summary>
public enum JobState
{
    /// <summary>Parts are being claimed and run.</summary>
    Running,

    /// <summary>Every part ended Done.</summary>
    Succeeded,

    /// <summary>Stopped by an error that is not a row's (for example the memory was dropped).</summary>
    Failed,

    /// <summary>Stopped by a user; parts are no longer claimed.</summary>
    Cancelled,
}

/// <summary>A part's state.</summary>
public enum PartState
{
    /// <summary>Not started.</summary>
    Pending,

    /// <summary>Claimed by a worker (or by one that died, until its lease lapses).</summary>
    Running,

    /// <summary>Every row read and accounted for.</summary>
    Done,

    /// <summary>The part could not be read at all (for example a missing file).</summary>
    Failed,
}

/// <summary>One job as stored.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Memory">The memory it writes to.</param>
/// <param name="SpecJson">What the creator stored to run it.</param>
/// <param name="DataJson">The job-wide value workers share (null until set).</param>
/// <param name="State">Its state.</param>
/// <param name="Message">Why it failed or was cancelled, when it was.</param>
/// <param name="CreatedAt">When it was created (database clock).</param>
/// <param name="UpdatedAt">When it or a part last changed (database clock).</param>
/// <param name="Parts">Its parts, by index.</param>
public sealed record JobRecord(long Id, string Kind, string Memory, string SpecJson, string? DataJson, JobState State, string? Message,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<PartRecord> Parts);

/// <summary>One part of a job as stored.</summary>
/// <param name="Index">Its position in the manifest.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">Its state.</param>
/// <param name="ProgressJson">The last progress its worker recorded (null before any).</param>
/// <param name="Node">The node that holds or last held it.</param>
/// <param name="ClaimEpoch">Bumped by every claim, so a worker whose lease lapsed cannot record over the next one's progress.</param>
/// <param name="LeaseExpiresAt">Until when the claim holds without progress (database clock).</param>
/// <param name="UpdatedAt">When it last changed (database clock).</param>
public sealed record PartRecord(int Index, string Name, PartState State, string? ProgressJson, string? Node, long ClaimEpoch, DateTimeOffset? LeaseExpiresAt, DateTimeOffset UpdatedAt);

/// <summary>A part a node has claimed: the job, the part, its progress so far (to resume from) and the claim's epoch.</summary>
/// <param name="Job">The job (with its parts as they were at the claim).</param>
/// <param name="Part">The part's index.</param>
/// <param name="Name">The part's name.</param>
/// <param name="ProgressJson">The progress its previous worker recorded, or null for a fresh part.</param>
/// <param name="ClaimEpoch">Give this back with every progress record.</param>
public sealed record PartClaim(JobRecord Job, int Part, string Name, string? ProgressJson, long ClaimEpoch);
