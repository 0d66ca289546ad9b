using Npgsql;
using static VisualMemory.ControlPlane.SqlCommands;

namespace VisualMemory.ControlPlane;

/// <summary>
/// The cluster store on PostgreSQL, the one source of truth every node shares: each operation is one
/// transaction, leases are judged by the server's clock, and the controller check of a placement
/// write happens inside the placement's own transaction under a row lock (docs/control-plane.md).
/// </summary>
public sealed class PostgresClusterStore : IClusterStore, IJobStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    /// <summary>A store on its own data source built from <paramref name="connectionString"/> (disposed with the store).</summary>
    public PostgresClusterStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _ownsDataSource = true;
    }

    /// <summary>A store on a data source the caller owns (not disposed with the store).</summary>
    public PostgresClusterStore(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _ownsDataSource = false;
    }

    /// <inheritdoc />
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await InTransactionAsync(async (connection, transaction) =>
        {
            // Nodes starting together all migrate: the advisory lock makes them take turns, so
            // CREATE TABLE IF NOT EXISTS and the version check never race.
            await ExecuteAsync(connection, transaction, PostgresSql.LockMigration, cancellationToken, ("key", PostgresSql.MigrationLockKey)).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, PostgresSql.CreateVersionTable, cancellationToken).ConfigureAwait(false);
            var version = (int)(await ScalarAsync(connection, transaction, PostgresSql.CurrentVersion, cancellationToken).ConfigureAwait(false))!;
            // Versions apply in order, each in this one transaction, so a node never sees half a schema.
            if (version < 1)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.SchemaV1, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, PostgresSql.RecordVersion, cancellationToken, ("version", 1)).ConfigureAwait(false);
            }
            if (version < 2)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.SchemaV2, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, PostgresSql.RecordVersion, cancellationToken, ("version", 2)).ConfigureAwait(false);
            }
            if (version < 3)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.SchemaV3, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, PostgresSql.RecordVersion, cancellationToken, ("version", 3)).ConfigureAwait(false);
            }
            if (version < 4)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.SchemaV4, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, PostgresSql.RecordVersion, cancellationToken, ("version", 4)).ConfigureAwait(false);
            }
            if (version < 5)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.SchemaV5, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, PostgresSql.RecordVersion, cancellationToken, ("version", 5)).ConfigureAwait(false);
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
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var nodes = await ReadAsync(connection, transaction, PostgresSql.RegisterNode, ReadNode, cancellationToken,
                ("name", name), ("address", address), ("roles", (int)roles), ("lease", lease)).ConfigureAwait(false);
            return nodes[0];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> HeartbeatAsync(string name, TimeSpan lease, long bytesHosted, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        StoreArguments.Lease(lease, nameof(lease));
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.Heartbeat, cancellationToken,
                ("name", name), ("lease", lease), ("bytes", bytesHosted)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.ListNodes, ReadNode, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> SetDrainingAsync(string name, bool draining, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.SetDraining, cancellationToken,
                ("name", name), ("draining", draining)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> DeclareDeadNodesAsync(CancellationToken cancellationToken = default)
    {
        var names = await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.DeclareDead, reader => reader.GetString(0), cancellationToken), cancellationToken).ConfigureAwait(false);
        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task<ControllerLease?> TryAcquireControllerAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        StoreArguments.Lease(lease, nameof(lease));
        var leases = await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.AcquireController, ReadLease, cancellationToken,
                ("name", name), ("lease", lease)), cancellationToken).ConfigureAwait(false);
        return leases.Count == 1 ? leases[0] : null;
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseControllerAsync(string name, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.ReleaseController, cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ControllerLease?> GetControllerAsync(CancellationToken cancellationToken = default)
    {
        var leases = await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.GetController, ReadLease, cancellationToken), cancellationToken).ConfigureAwait(false);
        return leases.Count == 1 ? leases[0] : null;
    }

    /// <inheritdoc />
    public async Task<bool> CreateMemoryAsync(string name, string definitionJson, int shards, int replicationFactor, CancellationToken cancellationToken = default)
    {
        StoreArguments.Memory(name, definitionJson, shards, replicationFactor);
        return await InTransactionAsync(async (connection, transaction) =>
        {
            var created = await ExecuteAsync(connection, transaction, PostgresSql.CreateMemory, cancellationToken,
                ("name", name), ("definition", definitionJson), ("shards", shards), ("replication", replicationFactor)).ConfigureAwait(false) == 1;
            if (created)
            {
                await ExecuteAsync(connection, transaction, PostgresSql.CreateShards, cancellationToken, ("name", name), ("shards", shards)).ConfigureAwait(false);
            }
            return created;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.ListMemories, reader => new MemoryRecord(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetFieldValue<DateTimeOffset>(4)),
                cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> DropMemoryAsync(string name, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(name, nameof(name));
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.DropMemory, cancellationToken, ("name", name)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssignmentRecord>> ListAssignmentsAsync(string? memory = null, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.ListAssignments, reader => new AssignmentRecord(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), Enum.Parse<AssignmentState>(reader.GetString(3)), reader.GetInt64(4)),
                cancellationToken, ("memory", (object?)memory ?? DBNull.Value)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string? memory = null, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.ListShards, reader => new ShardRecord(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5)),
                cancellationToken, ("memory", (object?)memory ?? DBNull.Value)), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<bool> ReportShardSizeAsync(string memory, int shard, string node, long storedBytes, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(node, nameof(node));
        ArgumentOutOfRangeException.ThrowIfNegative(storedBytes);
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.ReportShardSize, cancellationToken,
                ("memory", memory), ("shard", shard), ("node", node), ("bytes", storedBytes)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PlacementOutcome> ApplyPlacementAsync(string controllerName, long controllerEpoch, IReadOnlyList<PlacementChange> changes, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        StoreArguments.Changes(changes);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                PlacementOutcome outcome;
                try
                {
                    outcome = await ApplyAsync(connection, transaction, controllerName, controllerEpoch, changes, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    outcome = PlacementOutcome.Conflict;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
                {
                    outcome = PlacementOutcome.Invalid;
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
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.ReportReady, cancellationToken,
                ("memory", memory), ("shard", shard), ("node", node), ("epoch", epoch)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DemoteReplicaAsync(string memory, int shard, string node, string primaryNode, long primaryTerm, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(node, nameof(node));
        StoreArguments.Name(primaryNode, nameof(primaryNode));
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var demoted = await ReplicaDemotion.DemoteAsync(connection, transaction, PostgresSql.Demotion,
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
            return await InTransactionAsync(async (connection, transaction) =>
                await ExecuteAsync(connection, transaction, PostgresSql.RequestMove, cancellationToken,
                    ("memory", memory), ("shard", shard), ("from", fromNode), ("to", toNode)).ConfigureAwait(false) == 1
                    ? MoveRequestOutcome.Requested
                    : MoveRequestOutcome.Duplicate,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return MoveRequestOutcome.Invalid;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PendingMove>> ListPendingMovesAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.ListMoves, reader => new PendingMove(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)),
                cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<PlacementOutcome> CompleteMoveAsync(string controllerName, long controllerEpoch, string memory, int shard, string fromNode, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        StoreArguments.Name(memory, nameof(memory));
        StoreArguments.Name(fromNode, nameof(fromNode));
        return await InTransactionAsync(async (connection, transaction) =>
        {
            if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, cancellationToken).ConfigureAwait(false))
            {
                return PlacementOutcome.NotController;
            }
            return await ExecuteAsync(connection, transaction, PostgresSql.DeleteMove, cancellationToken,
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
        return await InTransactionAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, PostgresSql.DeleteMove, cancellationToken,
                ("memory", memory), ("shard", shard), ("from", fromNode)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset> RequestRebalanceAsync(CancellationToken cancellationToken = default) =>
        await InTransactionAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, PostgresSql.RequestRebalance, cancellationToken).ConfigureAwait(false);
            var times = await ReadAsync(connection, transaction, PostgresSql.GetRebalance, reader => reader.GetFieldValue<DateTimeOffset>(0), cancellationToken).ConfigureAwait(false);
            return times[0];
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetRebalanceRequestAsync(CancellationToken cancellationToken = default)
    {
        var times = await InTransactionAsync((connection, transaction) =>
            ReadAsync(connection, transaction, PostgresSql.GetRebalance, reader => reader.GetFieldValue<DateTimeOffset>(0), cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return times.Count == 1 ? times[0] : null;
    }

    /// <inheritdoc />
    public async Task<PlacementOutcome> ClearRebalanceAsync(string controllerName, long controllerEpoch, DateTimeOffset requestedAt, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(controllerName, nameof(controllerName));
        return await InTransactionAsync(async (connection, transaction) =>
        {
            if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, cancellationToken).ConfigureAwait(false))
            {
                return PlacementOutcome.NotController;
            }
            await ExecuteAsync(connection, transaction, PostgresSql.ClearRebalance, cancellationToken, ("at", requestedAt)).ConfigureAwait(false);
            return PlacementOutcome.Applied;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> CreateJobAsync(string kind, string memory, string specJson, IReadOnlyList<string> parts, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckCreate(kind, memory, specJson, parts);
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.CreateAsync(connection, transaction, PostgresSql.Jobs, NoClock, kind, memory, specJson, parts, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<JobRecord?> GetJobAsync(long id, CancellationToken cancellationToken = default) =>
        await InTransactionAsync((connection, transaction) =>
            JobOperations.GetAsync(connection, transaction, PostgresSql.Jobs, NoClock, ReadTime, id, cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.ListAsync(connection, transaction, PostgresSql.Jobs, NoClock, ReadTime, limit, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PartClaim?> ClaimPartAsync(string node, TimeSpan lease, long? jobId = null, CancellationToken cancellationToken = default)
    {
        StoreArguments.Name(node, nameof(node));
        StoreArguments.Lease(lease, nameof(lease));
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.ClaimAsync(connection, transaction, PostgresSql.Jobs, NoClock, ReadTime, node, lease, jobId, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RecordPartProgressAsync(long jobId, int part, string node, long claimEpoch, string progressJson, PartState? finalState = null, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckProgress(node, progressJson, finalState);
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.RecordAsync(connection, transaction, PostgresSql.Jobs, NoClock, jobId, part, node, claimEpoch, progressJson, finalState, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> SetJobStateAsync(long id, JobState state, string? message = null, CancellationToken cancellationToken = default)
    {
        JobOperations.CheckState(state);
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.SetStateAsync(connection, transaction, PostgresSql.Jobs, NoClock, id, state, message, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> SetJobDataAsync(long id, string dataJson, CancellationToken cancellationToken = default)
    {
        JobOperations.Json(dataJson, nameof(dataJson));
        return await InTransactionAsync((connection, transaction) =>
            JobOperations.SetDataAsync(connection, transaction, PostgresSql.Jobs, NoClock, id, dataJson, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<PlacementOutcome> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string controllerName, long controllerEpoch, IReadOnlyList<PlacementChange> changes, CancellationToken cancellationToken)
    {
        // The lease check and the writes share one transaction, and the check locks the controller
        // row: a rival's takeover (an UPDATE of that row) waits for this commit, and if it committed
        // first, FOR UPDATE re-reads the new row and finds no match. A deposed controller never writes.
        if (!await HoldsControllerAsync(connection, transaction, controllerName, controllerEpoch, cancellationToken).ConfigureAwait(false))
        {
            return PlacementOutcome.NotController;
        }
        return await PlacementWriter.ApplyChangesAsync(connection, transaction, PostgresSql.Placement, changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The controller fence every controller write starts with; it locks the controller row until the commit.</summary>
    private static async Task<bool> HoldsControllerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string controllerName, long controllerEpoch, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, transaction, PostgresSql.LockControllerIfHeld, cancellationToken,
            ("name", controllerName), ("epoch", controllerEpoch)).ConfigureAwait(false) is not null;

    /// <summary>The job SQL reads PostgreSQL's own now(), so it needs no clock parameter.</summary>
    private static readonly (string, object)[] NoClock = [];

    private static DateTimeOffset ReadTime(System.Data.Common.DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static NodeRecord ReadNode(System.Data.Common.DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (NodeRoles)reader.GetInt32(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetBoolean(6),
        reader.GetBoolean(7),
        reader.GetInt64(8));

    private static ControllerLease ReadLease(System.Data.Common.DbDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));

    private async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await work(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }
}
