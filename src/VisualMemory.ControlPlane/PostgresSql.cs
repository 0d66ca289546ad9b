namespace VisualMemory.ControlPlane;

/// <summary>
/// Every SQL statement of <see cref="PostgresClusterStore"/>, in one place. Lease times always come
/// from the server's now() (the transaction's start), never from a node's clock.
/// </summary>
internal static class PostgresSql
{
    /// <summary>Serialises concurrent migrations from several nodes (an arbitrary, fixed advisory lock key).</summary>
    public const long MigrationLockKey = 0x564D_4350; // "VMCP"

    public const string LockMigration = "SELECT pg_advisory_xact_lock(@key)";

    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now())
        """;

    public const string CurrentVersion = "SELECT coalesce(max(version), 0) FROM schema_version";

    public const string RecordVersion = "INSERT INTO schema_version (version) VALUES (@version)";

    /// <summary>Schema version 1. The controller table holds exactly one row (id = 1), so acquiring the lease is one row update that the database serialises.</summary>
    public const string SchemaV1 = """
        CREATE TABLE nodes (
            name text PRIMARY KEY,
            address text NOT NULL,
            roles integer NOT NULL,
            registered_at timestamptz NOT NULL,
            last_heartbeat_at timestamptz NOT NULL,
            lease_expires_at timestamptz NOT NULL,
            dead boolean NOT NULL DEFAULT false,
            draining boolean NOT NULL DEFAULT false,
            bytes_hosted bigint NOT NULL DEFAULT 0);
        CREATE TABLE controller (
            id integer PRIMARY KEY CHECK (id = 1),
            holder text NULL,
            epoch bigint NOT NULL,
            expires_at timestamptz NULL);
        INSERT INTO controller (id, holder, epoch, expires_at) VALUES (1, NULL, 0, NULL);
        CREATE TABLE memories (
            name text PRIMARY KEY,
            definition text NOT NULL,
            shards integer NOT NULL CHECK (shards >= 1),
            replication_factor integer NOT NULL CHECK (replication_factor >= 1),
            created_at timestamptz NOT NULL);
        CREATE TABLE memory_shards (
            memory text NOT NULL REFERENCES memories (name) ON DELETE CASCADE,
            shard integer NOT NULL,
            epoch bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (memory, shard));
        CREATE TABLE assignments (
            memory text NOT NULL,
            shard integer NOT NULL,
            node text NOT NULL REFERENCES nodes (name),
            state text NOT NULL CHECK (state IN ('Loading', 'Ready', 'Draining')),
            epoch bigint NOT NULL,
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
        ALTER TABLE memory_shards ADD COLUMN primary_node text NULL;
        ALTER TABLE memory_shards ADD COLUMN primary_term bigint NOT NULL DEFAULT 0;
        """;

    private const string NodeColumns = """
        name, address, roles, registered_at, last_heartbeat_at, lease_expires_at,
        (NOT dead AND lease_expires_at > now()) AS alive, draining, bytes_hosted
        """;

    public const string RegisterNode = $"""
        INSERT INTO nodes AS n (name, address, roles, registered_at, last_heartbeat_at, lease_expires_at, dead)
        VALUES (@name, @address, @roles, now(), now(), now() + @lease, false)
        ON CONFLICT (name) DO UPDATE SET
            address = excluded.address, roles = excluded.roles, registered_at = excluded.registered_at,
            last_heartbeat_at = excluded.last_heartbeat_at, lease_expires_at = excluded.lease_expires_at, dead = false
        RETURNING {NodeColumns}
        """;

    public const string Heartbeat = """
        UPDATE nodes SET last_heartbeat_at = now(), lease_expires_at = now() + @lease, bytes_hosted = @bytes
        WHERE name = @name AND NOT dead
        """;

    public const string ListNodes = $"SELECT {NodeColumns} FROM nodes ORDER BY name";

    public const string SetDraining = "UPDATE nodes SET draining = @draining WHERE name = @name";

    public const string DeclareDead = """
        UPDATE nodes SET dead = true WHERE NOT dead AND lease_expires_at <= now() RETURNING name
        """;

    /// <summary>
    /// One statement: the row lock it takes makes concurrent attempts queue, and each re-checks the
    /// WHERE clause against the row the previous one committed, so only one can take a live lease.
    /// SET expressions read the old row, so the epoch moves only when the holder changes.
    /// </summary>
    public const string AcquireController = """
        UPDATE controller SET
            epoch = CASE WHEN holder = @name THEN epoch ELSE epoch + 1 END,
            holder = @name,
            expires_at = now() + @lease
        WHERE id = 1 AND (holder IS NULL OR holder = @name OR expires_at <= now())
        RETURNING holder, epoch, expires_at
        """;

    public const string ReleaseController = """
        UPDATE controller SET holder = NULL, expires_at = NULL WHERE id = 1 AND holder = @name
        """;

    public const string GetController = """
        SELECT holder, epoch, expires_at FROM controller WHERE id = 1 AND holder IS NOT NULL AND expires_at > now()
        """;

    /// <summary>Locks the controller row for the rest of the placement transaction: no new holder can commit until the placement has.</summary>
    public const string LockControllerIfHeld = """
        SELECT 1 FROM controller WHERE id = 1 AND holder = @name AND epoch = @epoch AND expires_at > now() FOR UPDATE
        """;

    public const string CreateMemory = """
        INSERT INTO memories (name, definition, shards, replication_factor, created_at)
        VALUES (@name, @definition, @shards, @replication, now())
        ON CONFLICT (name) DO NOTHING
        """;

    public const string CreateShards = """
        INSERT INTO memory_shards (memory, shard) SELECT @name, s FROM generate_series(0, @shards - 1) AS s
        """;

    public const string ListMemories = """
        SELECT name, definition, shards, replication_factor, created_at FROM memories ORDER BY name
        """;

    /// <summary>Shards and assignments go with it (ON DELETE CASCADE).</summary>
    public const string DropMemory = "DELETE FROM memories WHERE name = @name";

    public const string ListAssignments = """
        SELECT memory, shard, node, state, epoch FROM assignments
        WHERE @memory::text IS NULL OR memory = @memory
        ORDER BY memory, shard, node
        """;

    /// <summary>Bumps and locks the shard row, so placements of one shard queue behind each other.</summary>
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
        WHERE @memory::text IS NULL OR memory = @memory
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
        ALTER TABLE memory_shards ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;
        """;

    /// <summary>Only the shard's primary reports (one writer per shard row).</summary>
    public const string ReportShardSize = """
        UPDATE memory_shards SET stored_bytes = @bytes WHERE memory = @memory AND shard = @shard AND primary_node = @node
        """;

    public const string SchemaV3 = """
        CREATE TABLE replica_moves (
            memory text NOT NULL,
            shard integer NOT NULL,
            from_node text NOT NULL REFERENCES nodes (name),
            to_node text NOT NULL REFERENCES nodes (name),
            requested_at timestamptz NOT NULL,
            PRIMARY KEY (memory, shard, from_node),
            FOREIGN KEY (memory, shard) REFERENCES memory_shards (memory, shard) ON DELETE CASCADE);
        CREATE TABLE rebalance_request (
            id integer PRIMARY KEY CHECK (id = 1),
            requested_at timestamptz NOT NULL);
        """;

    public const string RequestMove = """
        INSERT INTO replica_moves (memory, shard, from_node, to_node, requested_at)
        VALUES (@memory, @shard, @from, @to, now())
        ON CONFLICT (memory, shard, from_node) DO NOTHING
        """;

    public const string ListMoves = """
        SELECT memory, shard, from_node, to_node, requested_at FROM replica_moves ORDER BY memory, shard, from_node
        """;

    public const string DeleteMove = """
        DELETE FROM replica_moves WHERE memory = @memory AND shard = @shard AND from_node = @from
        """;

    public const string RequestRebalance = """
        INSERT INTO rebalance_request (id, requested_at) VALUES (1, now()) ON CONFLICT (id) DO NOTHING
        """;

    public const string GetRebalance = "SELECT requested_at FROM rebalance_request WHERE id = 1";

    public const string ClearRebalance = "DELETE FROM rebalance_request WHERE id = 1 AND requested_at = @at";

    /// <summary>
    /// Schema version 5: bulk-ingest jobs and their parts (IJobStore). A part is keyed by its job and its
    /// index in the manifest and goes with its job (CASCADE); its name is unique within the job. A claim
    /// keeps its lease length (<c>lease_us</c>) so renewals extend by what the worker asked for. The
    /// partial index keeps the claim's search to Running jobs however many finished ones accumulate.
    /// </summary>
    public const string SchemaV5 = """
        CREATE TABLE jobs (
            id bigserial PRIMARY KEY,
            kind text NOT NULL,
            memory text NOT NULL,
            spec text NOT NULL,
            data text NULL,
            state text NOT NULL CHECK (state IN ('Running', 'Succeeded', 'Failed', 'Cancelled')),
            message text NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL);
        CREATE INDEX jobs_running ON jobs (id) WHERE state = 'Running';
        CREATE TABLE job_parts (
            job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            part_index integer NOT NULL,
            name text NOT NULL,
            state text NOT NULL CHECK (state IN ('Pending', 'Running', 'Done', 'Failed')),
            progress text NULL,
            node text NULL,
            claim_epoch bigint NOT NULL DEFAULT 0,
            lease_us bigint NULL,
            lease_expires_at timestamptz NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (job_id, part_index),
            UNIQUE (job_id, name));
        """;

    public const string CreateJob = """
        INSERT INTO jobs (kind, memory, spec, state, created_at, updated_at)
        VALUES (@kind, @memory, @spec, 'Running', now(), now())
        RETURNING id
        """;

    public const string CreateParts = """
        INSERT INTO job_parts (job_id, part_index, name, state, updated_at)
        SELECT @job, (p.ord - 1)::integer, p.name, 'Pending', now()
        FROM jsonb_array_elements_text(@names::jsonb) WITH ORDINALITY AS p(name, ord)
        """;

    private const string JobColumns = """
        j.id, j.kind, j.memory, j.spec, j.data, j.state, j.message, j.created_at, j.updated_at,
        p.part_index, p.name, p.state, p.progress, p.node, p.claim_epoch, p.lease_expires_at, p.updated_at
        """;

    /// <summary>One statement (one snapshot), so the job and its parts are read as of the same moment.</summary>
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
    /// FOR UPDATE SKIP LOCKED: concurrent claimers lock different candidate rows instead of queueing on
    /// the same one, so each takes the lowest part nobody else is taking, and no two take the same
    /// part. A row another claimer committed first is re-checked under the lock (READ COMMITTED) and
    /// skipped when it no longer qualifies. Only part rows are locked, so writes to the job row (its
    /// data, its updated_at) never make a claimer skip the job's parts.
    /// </summary>
    public const string ClaimPart = """
        WITH candidate AS (
            SELECT p.job_id, p.part_index FROM job_parts p JOIN jobs j ON j.id = p.job_id
            WHERE j.state = 'Running' AND (@job::bigint IS NULL OR p.job_id = @job)
              AND (p.state = 'Pending' OR (p.state = 'Running' AND p.lease_expires_at < now()))
            ORDER BY p.job_id, p.part_index
            LIMIT 1
            FOR UPDATE OF p SKIP LOCKED)
        UPDATE job_parts p SET
            state = 'Running', node = @node, claim_epoch = p.claim_epoch + 1, lease_us = @lease_us,
            lease_expires_at = now() + @lease_us * interval '1 microsecond', updated_at = now()
        FROM candidate c
        WHERE p.job_id = c.job_id AND p.part_index = c.part_index
        RETURNING p.job_id, p.part_index, p.name, p.progress, p.claim_epoch
        """;

    /// <summary>An ended part keeps no lease: nothing holds it any more.</summary>
    public const string RecordProgress = """
        UPDATE job_parts SET
            progress = @progress, state = @state, updated_at = now(),
            lease_expires_at = CASE WHEN @state = 'Running' THEN now() + lease_us * interval '1 microsecond' END
        WHERE job_id = @job AND part_index = @part AND node = @node AND claim_epoch = @epoch AND state = 'Running'
        """;

    public const string ResetFailedParts = """
        UPDATE job_parts SET state = 'Pending', lease_expires_at = NULL, updated_at = now()
        WHERE job_id = @id AND state = 'Failed'
          AND EXISTS (SELECT 1 FROM jobs WHERE id = @id AND state IN ('Failed', 'Cancelled'))
        """;

    public const string SetJobState = """
        UPDATE jobs SET state = @state, message = @message, updated_at = now() WHERE id = @id
        """;

    public const string SetJobData = "UPDATE jobs SET data = @data, updated_at = now() WHERE id = @id";

    public const string TouchJob = "UPDATE jobs SET updated_at = now() WHERE id = @id";

    /// <summary>The statements <see cref="JobOperations"/> runs.</summary>
    public static JobStatements Jobs { get; } = new(CreateJob, CreateParts, GetJob, ListJobs, ClaimPart, RecordProgress, ResetFailedParts, SetJobState, SetJobData, TouchJob);

    /// <summary>The statements <see cref="PlacementWriter"/> runs.</summary>
    public static PlacementStatements Placement { get; } = new(BumpShardEpoch, NodeExists, AddAssignment, RemoveAssignment, DrainAssignment, SetPrimary);

    /// <summary>The statements <see cref="ReplicaDemotion"/> runs.</summary>
    public static DemotionStatements Demotion { get; } = new(BumpEpochIfPrimary, DemoteAssignment);
}
