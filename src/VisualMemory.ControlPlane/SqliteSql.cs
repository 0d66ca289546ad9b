namespace VisualMemory.ControlPlane;

/// <summary>
/// Every SQL statement of <see cref="SqliteClusterStore"/>, in one place. Times are UTC ticks
/// (INTEGER) passed in from the store's clock, so comparisons are plain integer comparisons.
/// </summary>
internal static class SqliteSql
{
    public const string Pragmas = "PRAGMA journal_mode = WAL";

    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)
        """;

    public const string CurrentVersion = "SELECT coalesce(max(version), 0) FROM schema_version";

    public const string RecordVersion = "INSERT INTO schema_version (version, applied_at) VALUES (@version, @now)";

    /// <summary>Schema version 1, the same tables as PostgreSQL's.</summary>
    public const string SchemaV1 = """
        CREATE TABLE nodes (
            name TEXT PRIMARY KEY,
            address TEXT NOT NULL,
            roles INTEGER NOT NULL,
            registered_at INTEGER NOT NULL,
            last_heartbeat_at INTEGER NOT NULL,
            lease_expires_at INTEGER NOT NULL,
            dead INTEGER NOT NULL DEFAULT 0,
            draining INTEGER NOT NULL DEFAULT 0,
            bytes_hosted INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE controller (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            holder TEXT NULL,
            epoch INTEGER NOT NULL,
            expires_at INTEGER NULL);
        INSERT INTO controller (id, holder, epoch, expires_at) VALUES (1, NULL, 0, NULL);
        CREATE TABLE memories (
            name TEXT PRIMARY KEY,
            definition TEXT NOT NULL,
            shards INTEGER NOT NULL CHECK (shards >= 1),
            replication_factor INTEGER NOT NULL CHECK (replication_factor >= 1),
            created_at INTEGER NOT NULL);
        CREATE TABLE memory_shards (
            memory TEXT NOT NULL REFERENCES memories (name) ON DELETE CASCADE,
            shard INTEGER NOT NULL,
            epoch INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (memory, shard));
        CREATE TABLE assignments (
            memory TEXT NOT NULL,
            shard INTEGER NOT NULL,
            node TEXT NOT NULL REFERENCES nodes (name),
            state TEXT NOT NULL CHECK (state IN ('Loading', 'Ready', 'Draining')),
            epoch INTEGER NOT NULL,
            PRIMARY KEY (memory, shard, node),
            FOREIGN KEY (memory, shard) REFERENCES memory_shards (memory, shard) ON DELETE CASCADE);
        CREATE INDEX assignments_node ON assignments (node);
        """;

    /// <summary>
    /// Schema version 2: each shard's primary replica (the one that orders writes) and its term. The
    /// term is the shard epoch at which the primary was set, so a newer primary always has a higher term
    /// and an old primary's term-checked writes fail. primary_node stays set after its node dies: it
    /// names the last primary, whose copy is the newest when no replica is Ready.
    /// </summary>
    public const string SchemaV2 = """
        ALTER TABLE memory_shards ADD COLUMN primary_node TEXT NULL;
        ALTER TABLE memory_shards ADD COLUMN primary_term INTEGER NOT NULL DEFAULT 0;
        """;

    private const string NodeColumns = """
        name, address, roles, registered_at, last_heartbeat_at, lease_expires_at,
        (NOT dead AND lease_expires_at > @now) AS alive, draining, bytes_hosted
        """;

    public const string RegisterNode = $"""
        INSERT INTO nodes (name, address, roles, registered_at, last_heartbeat_at, lease_expires_at, dead)
        VALUES (@name, @address, @roles, @now, @now, @expires, 0)
        ON CONFLICT (name) DO UPDATE SET
            address = excluded.address, roles = excluded.roles, registered_at = excluded.registered_at,
            last_heartbeat_at = excluded.last_heartbeat_at, lease_expires_at = excluded.lease_expires_at, dead = 0
        RETURNING {NodeColumns}
        """;

    public const string Heartbeat = """
        UPDATE nodes SET last_heartbeat_at = @now, lease_expires_at = @expires, bytes_hosted = @bytes
        WHERE name = @name AND NOT dead
        """;

    public const string ListNodes = $"SELECT {NodeColumns} FROM nodes ORDER BY name";

    public const string SetDraining = "UPDATE nodes SET draining = @draining WHERE name = @name";

    public const string DeclareDead = """
        UPDATE nodes SET dead = 1 WHERE NOT dead AND lease_expires_at <= @now RETURNING name
        """;

    /// <summary>SET expressions read the old row, so the epoch moves only when the holder changes.</summary>
    public const string AcquireController = """
        UPDATE controller SET
            epoch = CASE WHEN holder = @name THEN epoch ELSE epoch + 1 END,
            holder = @name,
            expires_at = @expires
        WHERE id = 1 AND (holder IS NULL OR holder = @name OR expires_at <= @now)
        RETURNING holder, epoch, expires_at
        """;

    public const string ReleaseController = """
        UPDATE controller SET holder = NULL, expires_at = NULL WHERE id = 1 AND holder = @name
        """;

    public const string GetController = """
        SELECT holder, epoch, expires_at FROM controller WHERE id = 1 AND holder IS NOT NULL AND expires_at > @now
        """;

    public const string ControllerHeld = """
        SELECT 1 FROM controller WHERE id = 1 AND holder = @name AND epoch = @epoch AND expires_at > @now
        """;

    public const string CreateMemory = """
        INSERT INTO memories (name, definition, shards, replication_factor, created_at)
        VALUES (@name, @definition, @shards, @replication, @now)
        ON CONFLICT (name) DO NOTHING
        """;

    public const string CreateShards = """
        WITH RECURSIVE s(shard) AS (SELECT 0 UNION ALL SELECT shard + 1 FROM s WHERE shard + 1 < @shards)
        INSERT INTO memory_shards (memory, shard) SELECT @name, shard FROM s
        """;

    public const string ListMemories = """
        SELECT name, definition, shards, replication_factor, created_at FROM memories ORDER BY name
        """;

    /// <summary>Shards and assignments go with it (ON DELETE CASCADE; the connection turns foreign keys on).</summary>
    public const string DropMemory = "DELETE FROM memories WHERE name = @name";

    public const string ListAssignments = """
        SELECT memory, shard, node, state, epoch FROM assignments
        WHERE @memory IS NULL OR memory = @memory
        ORDER BY memory, shard, node
        """;

    public const string BumpShardEpoch = """
        UPDATE memory_shards SET epoch = epoch + 1 WHERE memory = @memory AND shard = @shard RETURNING epoch
        """;

    public const string AddAssignment = """
        INSERT INTO assignments (memory, shard, node, state, epoch) VALUES (@memory, @shard, @node, 'Loading', @epoch)
        """;

    public const string RemoveAssignment = """
        DELETE FROM assignments WHERE memory = @memory AND shard = @shard AND node = @node
        """;

    public const string DrainAssignment = """
        UPDATE assignments SET state = 'Draining', epoch = @epoch WHERE memory = @memory AND shard = @shard AND node = @node
        """;

    public const string ReportReady = """
        UPDATE assignments SET state = 'Ready'
        WHERE memory = @memory AND shard = @shard AND node = @node AND epoch = @epoch AND state = 'Loading'
        """;

    public const string ListShards = """
        SELECT memory, shard, epoch, primary_node, primary_term, stored_bytes FROM memory_shards
        WHERE @memory IS NULL OR memory = @memory
        ORDER BY memory, shard
        """;

    /// <summary>Sets the primary only when the node holds a Ready replica of the shard; the term is the epoch the change just bumped to.</summary>
    public const string SetPrimary = """
        UPDATE memory_shards SET primary_node = @node, primary_term = @epoch
        WHERE memory = @memory AND shard = @shard
          AND EXISTS (SELECT 1 FROM assignments a
                      WHERE a.memory = @memory AND a.shard = @shard AND a.node = @node AND a.state = 'Ready')
        """;

    /// <summary>Bumps (and locks) the shard row only while the caller is still its primary in that term.</summary>
    public const string BumpEpochIfPrimary = """
        UPDATE memory_shards SET epoch = epoch + 1
        WHERE memory = @memory AND shard = @shard AND primary_node = @primary AND primary_term = @term
        RETURNING epoch
        """;

    /// <summary>A Draining replica is leaving anyway and is not touched.</summary>
    public const string DemoteAssignment = """
        UPDATE assignments SET state = 'Loading', epoch = @epoch
        WHERE memory = @memory AND shard = @shard AND node = @node AND state IN ('Loading', 'Ready')
        """;

    public const string NodeExists = "SELECT 1 FROM nodes WHERE name = @node";

    /// <summary>
    /// Schema version 3: operator requests, kept in the store so a controller elected after a
    /// failover still carries them out. A move is keyed by the replica it moves (memory, shard,
    /// source), so one replica has at most one pending move; it goes with its memory (CASCADE).
    /// The rebalance request is at most one row (id = 1).
    /// </summary>
    /// <summary>Schema version 4: each shard's stored size as its primary last reported it, so placement balances bytes.</summary>
    public const string SchemaV4 = """
        ALTER TABLE memory_shards ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
        """;

    /// <summary>Only the shard's primary reports (one writer per shard row).</summary>
    public const string ReportShardSize = """
        UPDATE memory_shards SET stored_bytes = @bytes WHERE memory = @memory AND shard = @shard AND primary_node = @node
        """;

    public const string SchemaV3 = """
        CREATE TABLE replica_moves (
            memory TEXT NOT NULL,
            shard INTEGER NOT NULL,
            from_node TEXT NOT NULL REFERENCES nodes (name),
            to_node TEXT NOT NULL REFERENCES nodes (name),
            requested_at INTEGER NOT NULL,
            PRIMARY KEY (memory, shard, from_node),
            FOREIGN KEY (memory, shard) REFERENCES memory_shards (memory, shard) ON DELETE CASCADE);
        CREATE TABLE rebalance_request (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            requested_at INTEGER NOT NULL);
        """;

    public const string RequestMove = """
        INSERT INTO replica_moves (memory, shard, from_node, to_node, requested_at)
        VALUES (@memory, @shard, @from, @to, @now)
        ON CONFLICT (memory, shard, from_node) DO NOTHING
        """;

    public const string ListMoves = """
        SELECT memory, shard, from_node, to_node, requested_at FROM replica_moves ORDER BY memory, shard, from_node
        """;

    public const string DeleteMove = """
        DELETE FROM replica_moves WHERE memory = @memory AND shard = @shard AND from_node = @from
        """;

    public const string RequestRebalance = """
        INSERT INTO rebalance_request (id, requested_at) VALUES (1, @now) ON CONFLICT (id) DO NOTHING
        """;

    public const string GetRebalance = "SELECT requested_at FROM rebalance_request WHERE id = 1";

    public const string ClearRebalance = "DELETE FROM rebalance_request WHERE id = 1 AND requested_at = @at";

    /// <summary>
    /// Schema version 5: bulk-ingest jobs and their parts (IJobStore), the same tables as PostgreSQL's.
    /// AUTOINCREMENT so an id is never reused, even after the newest job's row is deleted.
    /// </summary>
    public const string SchemaV5 = """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            memory TEXT NOT NULL,
            spec TEXT NOT NULL,
            data TEXT NULL,
            state TEXT NOT NULL CHECK (state IN ('Running', 'Succeeded', 'Failed', 'Cancelled')),
            message TEXT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL);
        CREATE INDEX jobs_running ON jobs (id) WHERE state = 'Running';
        CREATE TABLE job_parts (
            job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            part_index INTEGER NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('Pending', 'Running', 'Done', 'Failed')),
            progress TEXT NULL,
            node TEXT NULL,
            claim_epoch INTEGER NOT NULL DEFAULT 0,
            lease_us INTEGER NULL,
            lease_expires_at INTEGER NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (job_id, part_index),
            UNIQUE (job_id, name));
        """;

    public const string CreateJob = """
        INSERT INTO jobs (kind, memory, spec, state, created_at, updated_at)
        VALUES (@kind, @memory, @spec, 'Running', @now, @now)
        RETURNING id
        """;

    /// <summary>json_each's key of an array element is its index.</summary>
    public const string CreateParts = """
        INSERT INTO job_parts (job_id, part_index, name, state, updated_at)
        SELECT @job, key, value, 'Pending', @now FROM json_each(@names)
        """;

    private const string JobColumns = """
        j.id, j.kind, j.memory, j.spec, j.data, j.state, j.message, j.created_at, j.updated_at,
        p.part_index, p.name, p.state, p.progress, p.node, p.claim_epoch, p.lease_expires_at, p.updated_at
        """;

    public const string GetJob = $"""
        SELECT {JobColumns} FROM jobs j LEFT JOIN job_parts p ON p.job_id = j.id
        WHERE j.id = @id
        ORDER BY p.part_index
        """;

    public const string ListJobs = $"""
        SELECT {JobColumns} FROM (SELECT * FROM jobs ORDER BY id DESC LIMIT @limit) j
        LEFT JOIN job_parts p ON p.job_id = j.id
        ORDER BY j.id DESC, p.part_index
        """;

    /// <summary>
    /// One statement under BEGIN IMMEDIATE: the database's one write lock is held from the search to the
    /// commit, so two claimers never see the same part claimable. Leases are microseconds; times are ticks (10 per microsecond).
    /// </summary>
    public const string ClaimPart = """
        UPDATE job_parts SET
            state = 'Running', node = @node, claim_epoch = claim_epoch + 1, lease_us = @lease_us,
            lease_expires_at = @now + @lease_us * 10, updated_at = @now
        WHERE (job_id, part_index) = (
            SELECT p.job_id, p.part_index FROM job_parts p JOIN jobs j ON j.id = p.job_id
            WHERE j.state = 'Running' AND (@job IS NULL OR p.job_id = @job)
              AND (p.state = 'Pending' OR (p.state = 'Running' AND p.lease_expires_at < @now))
            ORDER BY p.job_id, p.part_index
            LIMIT 1)
        RETURNING job_id, part_index, name, progress, claim_epoch
        """;

    /// <summary>An ended part keeps no lease: nothing holds it any more.</summary>
    public const string RecordProgress = """
        UPDATE job_parts SET
            progress = @progress, state = @state, updated_at = @now,
            lease_expires_at = CASE WHEN @state = 'Running' THEN @now + lease_us * 10 END
        WHERE job_id = @job AND part_index = @part AND node = @node AND claim_epoch = @epoch AND state = 'Running'
        """;

    public const string ResetFailedParts = """
        UPDATE job_parts SET state = 'Pending', lease_expires_at = NULL, updated_at = @now
        WHERE job_id = @id AND state = 'Failed'
          AND EXISTS (SELECT 1 FROM jobs WHERE id = @id AND state IN ('Failed', 'Cancelled'))
        """;

    public const string SetJobState = """
        UPDATE jobs SET state = @state, message = @message, updated_at = @now WHERE id = @id
        """;

    public const string SetJobData = "UPDATE jobs SET data = @data, updated_at = @now WHERE id = @id";

    public const string TouchJob = "UPDATE jobs SET updated_at = @now WHERE id = @id";

    /// <summary>The statements <see cref="JobOperations"/> runs.</summary>
    public static JobStatements Jobs { get; } = new(CreateJob, CreateParts, GetJob, ListJobs, ClaimPart, RecordProgress, ResetFailedParts, SetJobState, SetJobData, TouchJob);

    /// <summary>The statements <see cref="PlacementWriter"/> runs.</summary>
    public static PlacementStatements Placement { get; } = new(BumpShardEpoch, NodeExists, AddAssignment, RemoveAssignment, DrainAssignment, SetPrimary);

    /// <summary>The statements <see cref="ReplicaDemotion"/> runs.</summary>
    public static DemotionStatements Demotion { get; } = new(BumpEpochIfPrimary, DemoteAssignment);
}
