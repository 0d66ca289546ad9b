using Microsoft.Data.Sqlite;
using static VisualMemory.ControlPlane.SqlCommands;

namespace VisualMemory.ControlPlane;

/// <summary>
/// The cluster store of an embedded single node, in one SQLite file. The same contract as
/// <see cref="PostgresClusterStore"/>: every operation is one write transaction (BEGIN IMMEDIATE, so
/// transactions from several connections queue rather than interleave), and leases are judged by
/// this store's <see cref="TimeProvider"/>, read after the write lock is taken, since on one node
/// there is only one clock to agree on.
/// </summary>
public sealed class SqliteClusterStore : IClusterStore, IJobStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    /// <summary>A store in the SQLite file at <paramref name="path"/> (created when missing), on the system clock unless <paramref name="timeProvider"/> is given.</summary>
    public SqliteClusterStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Memory drops cascade to shards and assignments; SQLite enforces foreign keys only when asked.
            ForeignKeys = true,
            Pooling = true,
            // Seconds a transaction waits for another connection's write lock before failing.
            DefaultTimeout = 30,
        }.ToString();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        // WAL lets readers go on while a writer commits; it is a property of the file, set outside a transaction.
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var pragma = new SqliteCommand(SqliteSql.Pragmas, connection);
            await using (pragma.ConfigureAwait(false))
            {
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await InTransactionAsync(async (connection, transaction, now) =>
        {
            await ExecuteAsync(connection, transaction, SqliteSql.CreateVersionTable, cancellationToken).ConfigureAwait(false);
            var version = (long)(await ScalarAsync(connection, transaction, SqliteSql.CurrentVersion, cancellationToken).ConfigureAwait(false))!;
            // Versions apply in order, each in this one transaction, so a node never sees half a schema.
            if (version < 1)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.SchemaV1, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, SqliteSql.RecordVersion, cancellationToken, ("version", 1), ("now", now)).ConfigureAwait(false);
            }
            if (version < 2)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.SchemaV2, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, SqliteSql.RecordVersion, cancellationToken, ("version", 2), ("now", now)).ConfigureAwait(false);
            }
            if (version < 3)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.SchemaV3, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, SqliteSql.RecordVersion, cancellationToken, ("version", 3), ("now", now)).ConfigureAwait(false);
            }
            if (version < 4)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.SchemaV4, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, SqliteSql.RecordVersion, cancellationToken, ("version", 4), ("now", now)).ConfigureAwait(false);
            }
            if (version < 5)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.SchemaV5, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, SqliteSql.RecordVersion, cancellationToken, ("version", 5), ("now", now)).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<NodeRecord> RegisterNodeAsync(string name, string address, NodeRoles roles, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        ArgumentNullException.ThrowIfNull(address);
        StoreArguments.Lease(lease, nameof(lease));
        return await InTransactionAsync(async (connection, transaction, now) =>
        {
            var nodes = await ReadAsync(connection, transaction, SqliteSql.RegisterNode, ReadNode, cancellationToken,
                ("name", name), ("address", address), ("roles", (int)roles), ("now", now), ("expires", now + lease.Ticks)).ConfigureAwait(false);
            return nodes[0];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> HeartbeatAsync(string name, TimeSpan lease, long bytesHosted, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        StoreArguments.Lease(lease, nameof(lease));
        return await InTransactionAsync(async (connection, transaction, now) =>
            await ExecuteAsync(connection, transaction, SqliteSql.Heartbeat, cancellationToken,
                ("name", name), ("now", now), ("expires", now + lease.Ticks), ("bytes", bytesHosted)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, now) =>
            ReadAsync(connection, transaction, SqliteSql.ListNodes, ReadNode, cancellationToken, ("now", now)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> SetDrainingAsync(string name, bool draining, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.SetDraining, cancellationToken,
                ("name", name), ("draining", draining)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> DeclareDeadNodesAsync(CancellationToken cancellationToken = default)
    {
        var names = await InTransactionAsync((connection, transaction, now) =>
            ReadAsync(connection, transaction, SqliteSql.DeclareDead, reader => reader.GetString(0), cancellationToken, ("now", now)), cancellationToken).ConfigureAwait(false);
        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task<ControllerLease?> TryAcquireControllerAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        StoreArguments.Lease(lease, nameof(lease));
        var leases = await InTransactionAsync((connection, transaction, now) =>
            ReadAsync(connection, transaction, SqliteSql.AcquireController, ReadLease, cancellationToken,
                ("name", name), ("now", now), ("expires", now + lease.Ticks)), cancellationToken).ConfigureAwait(false);
        return leases.Count == 1 ? leases[0] : null;
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseControllerAsync(string name, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.ReleaseController, cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ControllerLease?> GetControllerAsync(CancellationToken cancellationToken = default)
    {
        var leases = await InTransactionAsync((connection, transaction, now) =>
            ReadAsync(connection, transaction, SqliteSql.GetController, ReadLease, cancellationToken, ("now", now)), cancellationToken).ConfigureAwait(false);
        return leases.Count == 1 ? leases[0] : null;
    }

    /// <inheritdoc />
    public async Task<bool> CreateMemoryAsync(string name, string definitionJson, int shards, int replicationFactor, CancellationToken cancellationToken = default)
    {
        StoreArguments.Memory(name, definitionJson, shards, replicationFactor);
        return await InTransactionAsync(async (connection, transaction, now) =>
        {
            var created = await ExecuteAsync(connection, transaction, SqliteSql.CreateMemory, cancellationToken,
                ("name", name), ("definition", definitionJson), ("shards", shards), ("replication", replicationFactor), ("now", now)).ConfigureAwait(false) == 1;
            if (created)
            {
                await ExecuteAsync(connection, transaction, SqliteSql.CreateShards, cancellationToken, ("name", name), ("shards", shards)).ConfigureAwait(false);
            }
            return created;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, _) =>
            ReadAsync(connection, transaction, SqliteSql.ListMemories, reader => new MemoryRecord(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), Time(reader.GetInt64(4))),
                cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> DropMemoryAsync(string name, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.DropMemory, cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssignmentRecord>> ListAssignmentsAsync(string? memory = null, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, _) =>
            ReadAsync(connection, transaction, SqliteSql.ListAssignments, reader => new AssignmentRecord(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), Enum.Parse<AssignmentState>(reader.GetString(3)), reader.GetInt64(4)),
                cancellationToken, ("memory", (object?)memory ?? DBNull.Value)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string? memory = null, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, _) =>
            ReadAsync(connection, transaction, SqliteSql.ListShards, reader => new ShardRecord(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5)),
                cancellationToken, ("memory", (object?)memory ?? DBNull.Value)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> ReportShardSizeAsync(string memory, int shard, string node, long storedBytes, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(node, nameof(node));
        ArgumentOutOfRangeException.ThrowIfNegative(storedBytes);
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.ReportShardSize, cancellationToken,
                ("memory", memory), ("shard", shard), ("node", node), ("bytes", storedBytes)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PlacementOutcome> ApplyPlacementAsync(string controllerName, long controllerEpoch, IReadOnlyList<PlacementChange> changes, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        StoreArguments.Changes(changes);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE holds the database's one write lock from here to the commit, so no
            // rival can take the controller lease between the check and the writes.
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                var now = _time.GetUtcNow().UtcTicks;
                PlacementOutcome outcome;
                try
                {
                    outcome = await ApplyAsync(connection, transaction, controllerName, controllerEpoch, changes, now, cancellationToken).ConfigureAwait(false);
                }
                catch (SqliteException e) when (e.SqliteExtendedErrorCode == ForeignKeyViolation)
                {
                    outcome = PlacementOutcome.Invalid;
                }
                catch (SqliteException e) when (e.SqliteErrorCode == ConstraintViolation)
                {
                    outcome = PlacementOutcome.Conflict;
                }
                if (outcome == PlacementOutcome.Applied)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }
                return outcome;
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> ReportReadyAsync(string memory, int shard, string node, long epoch, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(node, nameof(node));
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.ReportReady, cancellationToken,
                ("memory", memory), ("shard", shard), ("node", node), ("epoch", epoch)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DemoteReplicaAsync(string memory, int shard, string node, string primaryNode, long primaryTerm, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(node, nameof(node));
        StoreArguments.Name(primaryNode, nameof(primaryNode));
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                var demoted = await ReplicaDemotion.DemoteAsync(connection, transaction, SqliteSql.Demotion,
                    memory, shard, node, primaryNode, primaryTerm, cancellationToken).ConfigureAwait(false);
                if (demoted)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }
                return demoted;
            }
        }
    }

    /// <inheritdoc />
    public async Task<MoveRequestOutcome> RequestMoveAsync(string memory, int shard, string fromNode, string toNode, CancellationToken cancellationToken = default)
    {
        StoreArguments.Move(memory, fromNode, toNode);
        try
        {
            return await InTransactionAsync(async (connection, transaction, now) =>
                await ExecuteAsync(connection, transaction, SqliteSql.RequestMove, cancellationToken,
                    ("memory", memory), ("shard", shard), ("from", fromNode), ("to", toNode), ("now", now)).ConfigureAwait(false) == 1
                    ? MoveRequestOutcome.Requested
                    : MoveRequestOutcome.Duplicate,
                cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e) when (e.SqliteExtendedErrorCode == ForeignKeyViolation)
        {
            return MoveRequestOutcome.Invalid;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PendingMove>> ListPendingMovesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, _) =>
            ReadAsync(connection, transaction, SqliteSql.ListMoves, reader => new PendingMove(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), Time(reader.GetInt64(4))),
                cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<PlacementOutcome> CompleteMoveAsync(string controllerName, long controllerEpoch, string memory, int shard, string fromNode, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(fromNode, nameof(fromNode));
        return await InTransactionAsync(async (connection, transaction, now) =>
        {
            if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, now, cancellationToken).ConfigureAwait(false))
            {
                return PlacementOutcome.NotController;
            }
            return await ExecuteAsync(connection, transaction, SqliteSql.DeleteMove, cancellationToken,
                ("memory", memory), ("shard", shard), ("from", fromNode)).ConfigureAwait(false) == 1
                ? PlacementOutcome.Applied
                : PlacementOutcome.Conflict;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> CancelMoveAsync(string memory, int shard, string fromNode, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(fromNode, nameof(fromNode));
        return await InTransactionAsync(async (connection, transaction, _) =>
            await ExecuteAsync(connection, transaction, SqliteSql.DeleteMove, cancellationToken,
                ("memory", memory), ("shard", shard), ("from", fromNode)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset> RequestRebalanceAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync(async (connection, transaction, now) =>
        {
            await ExecuteAsync(connection, transaction, SqliteSql.RequestRebalance, cancellationToken, ("now", now)).ConfigureAwait(false);
            return Time((long)(await ScalarAsync(connection, transaction, SqliteSql.GetRebalance, cancellationToken).ConfigureAwait(false))!);
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetRebalanceRequestAsync(CancellationToken cancellationToken = default)
    {
        var times = await InTransactionAsync((connection, transaction, _) =>
            ReadAsync(connection, transaction, SqliteSql.GetRebalance, reader => Time(reader.GetInt64(0)), cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return times.Count == 1 ? times[0] : null;
    }

    /// <inheritdoc />
    public async Task<PlacementOutcome> ClearRebalanceAsync(string controllerName, long controllerEpoch, DateTimeOffset requestedAt, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        return await InTransactionAsync(async (connection, transaction, now) =>
        {
            if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, now, cancellationToken).ConfigureAwait(false))
            {
                return PlacementOutcome.NotController;
            }
            await ExecuteAsync(connection, transaction, SqliteSql.ClearRebalance, cancellationToken, ("at", requestedAt.UtcTicks)).ConfigureAwait(false);
            return PlacementOutcome.Applied;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> CreateJobAsync(string kind, string memory, string specJson, IReadOnlyList<string> parts, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckCreate(kind, memory, specJson, parts);
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.CreateAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], kind, memory, specJson, parts, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<JobRecord?> GetJobAsync(long id, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction, now) =>
            JobOperations.GetAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], ReadTime, id, cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.ListAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], ReadTime, limit, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PartClaim?> ClaimPartAsync(string node, TimeSpan lease, long? jobId = null, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(node, nameof(node));
        StoreArguments.Lease(lease, nameof(lease));
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.ClaimAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], ReadTime, node, lease, jobId, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RecordPartProgressAsync(long jobId, int part, string node, long claimEpoch, string progressJson, PartState? finalState = null, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckProgress(node, progressJson, finalState);
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.RecordAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], jobId, part, node, claimEpoch, progressJson, finalState, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> SetJobStateAsync(long id, JobState state, string? message = null, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckState(state);
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.SetStateAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], id, state, message, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> SetJobDataAsync(long id, string dataJson, CancellationToken cancellationToken = default)
    {
        JobOperations.Json(dataJson, nameof(dataJson));
        return await InTransactionAsync((connection, transaction, now) =>
            JobOperations.SetDataAsync(connection, transaction, SqliteSql.Jobs, [("now", now)], id, dataJson, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    private const int ConstraintViolation = 19; // SQLITE_CONSTRAINT
    private const int ForeignKeyViolation = 787; // SQLITE_CONSTRAINT_FOREIGNKEY

    private static async Task<PlacementOutcome> ApplyAsync(SqliteConnection connection, SqliteTransaction transaction, string controllerName, long controllerEpoch, IReadOnlyList<PlacementChange> changes, long now, CancellationToken cancellationToken)
    {
        if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, now, cancellationToken).ConfigureAwait(false))
        {
            return PlacementOutcome.NotController;
        }
        return await PlacementWriter.ApplyChangesAsync(connection, transaction, SqliteSql.Placement, changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The controller fence every controller write starts with; BEGIN IMMEDIATE keeps it true until the commit.</summary>
    private static async Task<bool> HoldsControllerAsync(SqliteConnection connection, SqliteTransaction transaction, string controllerName, long controllerEpoch, long now, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, transaction, SqliteSql.ControllerHeld, cancellationToken,
            ("name", controllerName), ("epoch", controllerEpoch), ("now", now)).ConfigureAwait(false) is not null;

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);

    private static DateTimeOffset ReadTime(System.Data.Common.DbDataReader reader, int ordinal) => Time(reader.GetInt64(ordinal));

    private static NodeRecord ReadNode(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (NodeRoles)reader.GetInt32(2),
        Time(reader.GetInt64(3)),
        Time(reader.GetInt64(4)),
        Time(reader.GetInt64(5)),
        reader.GetBoolean(6),
        reader.GetBoolean(7),
        reader.GetInt64(8));

    private static ControllerLease ReadLease(System.Data.Common.DbDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), Time(reader.GetInt64(2)));

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<T> InTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, long, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                // Read the clock only once the write lock is held, so commit order and time order agree.
                var result = await work(connection, transaction, _time.GetUtcNow().UtcTicks).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }
}
