using VisualMemory.ControlPlane;

namespace VisualMemory.Server.Cluster;

/// <summary>How this node takes part in the cluster. Bound from configuration section "Cluster".</summary>
public sealed class ClusterSettings
{
    /// <summary>
    /// PostgreSQL connection string of the cluster's control plane; empty for an embedded single node,
    /// whose control plane is SQLite at <c>{data-dir}/cluster.db</c>.
    /// </summary>
    public string Database { get; set; } = "";

    /// <summary>This node's stable name; default: the machine name and the public port.</summary>
    public string NodeName { get; set; } = "";

    /// <summary>What the node offers (comma-separated: Coordinator, ShardHost, EmbeddingWorker).</summary>
    public NodeRoles Roles { get; set; } = NodeRoles.Coordinator | NodeRoles.ShardHost;

    /// <summary>The node-to-node HTTP/2 listener, e.g. http://127.0.0.1:5081; empty for none.</summary>
    public string InternalUrl { get; set; } = "";

    /// <summary>How long a node counts as alive after its last heartbeat, and how long the controller lease lasts.</summary>
    public double LeaseSeconds { get; set; } = 10;

    /// <summary>How often the node renews its lease (and, as controller, looks for dead nodes).</summary>
    public int HeartbeatMilliseconds { get; set; } = 2000;

    /// <summary>How long a coordinator waits for one node's answer before trying the shards' next replica.</summary>
    public int ShardTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>
    /// Whether a coordinator answers when some shards have no replica that answered (the response then
    /// lists them in <c>missingShards</c>); false answers 503 instead.
    /// </summary>
    public bool AllowPartialResults { get; set; }

    /// <summary>
    /// How many replicas of a shard (its primary included) must hold a write durably before it is
    /// acknowledged; 0 (the default) means a majority of the memory's replication factor. Capped at the
    /// replication factor.
    /// </summary>
    public int WriteQuorum { get; set; }

    /// <summary>How long a primary waits for a replica to take a forwarded write before taking it out of the in-sync set.</summary>
    public int ReplicationTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>
    /// How long a bulk-load write (one ingest chunk's rows of a shard, or a quantizer to install) may take, from a worker to the
    /// primary and from the primary to each replica: each replica encodes the rows and checkpoints, which
    /// takes seconds for a large chunk, so the short <see cref="ReplicationTimeoutMilliseconds"/> would
    /// take healthy replicas out of the in-sync set.
    /// </summary>
    public int BulkWriteTimeoutMilliseconds { get; set; } = 300_000;

    /// <summary>The bound on one replication call carrying a write of <paramref name="kind"/>.</summary>
    internal TimeSpan WriteTimeout(VisualMemory.Cluster.Protocol.WriteKind kind) => TimeSpan.FromMilliseconds(
        kind is VisualMemory.Cluster.Protocol.WriteKind.BulkLoad or VisualMemory.Cluster.Protocol.WriteKind.SetQuantizer ? Math.Max(ReplicationTimeoutMilliseconds, BulkWriteTimeoutMilliseconds) : ReplicationTimeoutMilliseconds);

    /// <summary>
    /// True when the control plane is a shared PostgreSQL (<see cref="Database"/> set): memories created
    /// here are distributed as shard replicas over the shard hosts. Otherwise the node is embedded and
    /// holds whole memories itself.
    /// </summary>
    public bool Distributed => !string.IsNullOrWhiteSpace(Database);

    /// <summary>
    /// The most query rows a coordinator puts in one coalesced shard request: concurrent searches of a
    /// memory with the same k, nprobe, pruning and placement queue while a batch is in flight and go
    /// together as the next one, up to this many rows (a single larger search goes alone).
    /// </summary>
    public int CoalesceMaxQueries { get; set; } = 256;

    /// <summary>
    /// How long, in microseconds, a search may wait for others to share its shard request when no batch
    /// of its kind is in flight; 0 sends at once (batches then form only behind one in flight). Timer
    /// resolution is about a millisecond.
    /// </summary>
    public int CoalesceMaxWaitMicroseconds { get; set; }
}
