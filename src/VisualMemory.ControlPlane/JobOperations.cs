using System.Data.Common;
using System.Text.Json;
using static VisualMemory.ControlPlane.SqlCommands;

namespace VisualMemory.ControlPlane;

/// <summary>The SQL a store uses for jobs and their parts (its own dialect and its own clock).</summary>
/// <param name="CreateJob">Inserts a Running job and returns its id.</param>
/// <param name="CreateParts">Inserts one Pending part per element of the JSON array <c>@names</c>, indexed from 0.</param>
/// <param name="GetJob">The job <c>@id</c> joined with its parts (none: a row of null part columns), by part index.</param>
/// <param name="ListJobs">The newest <c>@limit</c> jobs joined with their parts, by job id descending, then part index.</param>
/// <param name="ClaimPart">Claims the lowest claimable part (of job <c>@job</c> when not null) and returns job id, index, name, progress and the new epoch.</param>
/// <param name="RecordProgress">Stores progress and the state <c>@state</c> of a part while <c>@node</c> holds it with <c>@epoch</c>.</param>
/// <param name="ResetFailedParts">Makes a Failed or Cancelled job's Failed parts Pending again.</param>
/// <param name="SetJobState">Sets a job's state and message.</param>
/// <param name="SetJobData">Replaces a job's shared value.</param>
/// <param name="TouchJob">Bumps a job's updated_at after a change to one of its parts.</param>
internal sealed record JobStatements(string CreateJob, string CreateParts, string GetJob, string ListJobs, string ClaimPart,
    string RecordProgress, string ResetFailedParts, string SetJobState, string SetJobData, string TouchJob);

/// <summary>
/// The job operations of both stores, inside the caller's transaction. A store supplies its SQL, the
/// parameters its SQL reads the database clock from (none on PostgreSQL, whose SQL calls now();
/// <c>@now</c> on SQLite) and how it reads a stored time, so the two stores differ only where their
/// databases do. Every statement that changes a part also bumps its job's updated_at, so a job's time
/// says when anything in it last changed; parts are always written before their job row, so the row
/// locks two PostgreSQL transactions take are taken in the same order and cannot deadlock.
/// </summary>
internal static class JobOperations
{
    public static void CheckCreate(string kind, string memory, string specJson, IReadOnlyList<string> parts)
    {
        StoreArguments.Name(kind, nameof(kind));
        StoreArguments.Name(memory, nameof(memory));
        Json(specJson, nameof(specJson));
        ArgumentNullException.ThrowIfNull(parts);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            StoreArguments.Name(part, nameof(parts));
            if (!names.Add(part))
            {
                // Checked here, before anything is written, so a bad manifest leaves no half-created job.
                throw new ArgumentException($"part {part} is listed twice", nameof(parts));
            }
        }
    }

    public static void CheckProgress(string node, string progressJson, PartState? finalState)
    {
        StoreArguments.Name(node, nameof(node));
        Json(progressJson, nameof(progressJson));
        if (finalState is not (null or PartState.Done or PartState.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(finalState), finalState, "a part ends Done or Failed");
        }
    }

    public static void CheckState(JobState state)
    {
        if (!Enum.IsDefined(state))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "unknown job state");
        }
    }

    /// <summary>
    /// Refuses text that is not JSON: the store keeps it as given, and a broken value would otherwise
    /// reach every worker that reads it later.
    /// </summary>
    public static void Json(string json, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(json, parameterName);
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not JSON: {e.Message}", parameterName, e);
        }
    }

    public static async Task<long> CreateAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        string kind, string memory, string specJson, IReadOnlyList<string> parts, CancellationToken cancellationToken)
    {
        var id = Convert.ToInt64(await ScalarAsync(connection, transaction, sql.CreateJob, cancellationToken,
            [("kind", kind), ("memory", memory), ("spec", specJson), .. clock]).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        // One statement for every part (the names travel as one JSON array), however long the manifest.
        await ExecuteAsync(connection, transaction, sql.CreateParts, cancellationToken,
            [("job", id), ("names", JsonSerializer.Serialize(parts)), .. clock]).ConfigureAwait(false);
        return id;
    }

    public static async Task<JobRecord?> GetAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        Func<DbDataReader, int, DateTimeOffset> time, long id, CancellationToken cancellationToken)
    {
        var jobs = await ReadJobsAsync(connection, transaction, sql.GetJob, time, [("id", id), .. clock], cancellationToken).ConfigureAwait(false);
        return jobs.Count == 1 ? jobs[0] : null;
    }

    public static Task<IReadOnlyList<JobRecord>> ListAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        Func<DbDataReader, int, DateTimeOffset> time, int limit, CancellationToken cancellationToken) =>
        ReadJobsAsync(connection, transaction, sql.ListJobs, time, [("limit", limit), .. clock], cancellationToken);

    public static async Task<PartClaim?> ClaimAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        Func<DbDataReader, int, DateTimeOffset> time, string node, TimeSpan lease, long? jobId, CancellationToken cancellationToken)
    {
        var claimed = await ReadAsync(connection, transaction, sql.ClaimPart,
            reader => (Job: reader.GetInt64(0), Part: reader.GetInt32(1), Name: reader.GetString(2), Progress: reader.IsDBNull(3) ? null : reader.GetString(3), Epoch: reader.GetInt64(4)),
            cancellationToken, [("node", node), ("lease_us", LeaseMicroseconds(lease)), ("job", (object?)jobId ?? DBNull.Value), .. clock]).ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return null;
        }
        var (job, part, name, progress, epoch) = claimed[0];
        await ExecuteAsync(connection, transaction, sql.TouchJob, cancellationToken, [("id", job), .. clock]).ConfigureAwait(false);
        var record = await GetAsync(connection, transaction, sql, clock, time, job, cancellationToken).ConfigureAwait(false);
        return new PartClaim(record!, part, name, progress, epoch);
    }

    public static async Task<bool> RecordAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        long jobId, int part, string node, long claimEpoch, string progressJson, PartState? finalState, CancellationToken cancellationToken)
    {
        var recorded = await ExecuteAsync(connection, transaction, sql.RecordProgress, cancellationToken,
            [("job", jobId), ("part", part), ("node", node), ("epoch", claimEpoch), ("progress", progressJson),
             ("state", (finalState ?? PartState.Running).ToString()), .. clock]).ConfigureAwait(false) == 1;
        if (recorded)
        {
            await ExecuteAsync(connection, transaction, sql.TouchJob, cancellationToken, [("id", jobId), .. clock]).ConfigureAwait(false);
        }
        return recorded;
    }

    public static async Task<bool> SetStateAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        long id, JobState state, string? message, CancellationToken cancellationToken)
    {
        if (state == JobState.Running)
        {
            // Resuming retries the parts that could not be read; their progress stays, so a retried part
            // resumes where it stopped. Done parts stay done.
            await ExecuteAsync(connection, transaction, sql.ResetFailedParts, cancellationToken, [("id", id), .. clock]).ConfigureAwait(false);
        }
        return await ExecuteAsync(connection, transaction, sql.SetJobState, cancellationToken,
            [("id", id), ("state", state.ToString()), ("message", (object?)message ?? DBNull.Value), .. clock]).ConfigureAwait(false) == 1;
    }

    public static async Task<bool> SetDataAsync(DbConnection connection, DbTransaction transaction, JobStatements sql, (string, object)[] clock,
        long id, string dataJson, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, transaction, sql.SetJobData, cancellationToken, [("id", id), ("data", dataJson), .. clock]).ConfigureAwait(false) == 1;

    /// <summary>
    /// Leases are kept in microseconds (PostgreSQL's interval resolution) with the claim, so a renewal
    /// extends by the length the worker claimed with; at least 1, so a claim is never born expired by rounding.
    /// </summary>
    private static long LeaseMicroseconds(TimeSpan lease) => Math.Max(1, lease.Ticks / TimeSpan.TicksPerMicrosecond);

    /// <summary>Reads jobs joined with their parts (one row per part; a job without parts has one row of nulls), grouping rows by job in query order.</summary>
    private static async Task<IReadOnlyList<JobRecord>> ReadJobsAsync(DbConnection connection, DbTransaction transaction, string sql,
        Func<DbDataReader, int, DateTimeOffset> time, (string, object)[] parameters, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(connection, transaction, sql, reader =>
        {
            var job = new JobRecord(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), Enum.Parse<JobState>(reader.GetString(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6), time(reader, 7), time(reader, 8), []);
            var part = reader.IsDBNull(9) ? null : new PartRecord(
                reader.GetInt32(9), reader.GetString(10), Enum.Parse<PartState>(reader.GetString(11)),
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetString(13),
                reader.GetInt64(14), reader.IsDBNull(15) ? null : time(reader, 15), time(reader, 16));
            return (Job: job, Part: part);
        }, cancellationToken, parameters).ConfigureAwait(false);
        var jobs = new List<JobRecord>();
        var index = 0;
        while (index < rows.Count)
        {
            var job = rows[index].Job;
            var parts = new List<PartRecord>();
            for (; index < rows.Count && rows[index].Job.Id == job.Id; index++)
            {
                if (rows[index].Part is { } part)
                {
                    parts.Add(part);
                }
            }
            jobs.Add(job with { Parts = parts });
        }
        return jobs;
    }
}
