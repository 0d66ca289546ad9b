using System.Diagnostics.Metrics;
using System.Text.Json;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Cluster.Replication;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Jobs;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// The node's observable gauges and counters: per-shard items, bytes, dead rows and uncovered log records;
/// unlearning requests and forgetting lag; embedding queues; node liveness and replica states from the cached
/// cluster view; ingest job progress from the job store. <see cref="RefreshAsync"/> reads all of it once per
/// scrape into a <see cref="NodeState"/>; the instruments' callbacks only read that.
/// </summary>
/// <remarks>One meter per node (not static): hosts sharing a process, as in tests, each report their own state.</remarks>
internal sealed partial class NodeMetrics : IDisposable
{
    /// <summary>Jobs reported: the most recent ones; older jobs drop out so job labels stay few.</summary>
    public const int JobsReported = 20;

    private static readonly string[] JobStates = [.. Enum.GetValues<JobState>().Select(IngestJobs.Name)];

    private readonly MemoryCatalog _catalog;
    private readonly ReplicaRegistry _replicas;
    private readonly ClusterView _view;
    private readonly IJobStore _jobs;
    private readonly EmbeddingModels _models;
    private readonly ILogger<NodeMetrics> _logger;
    private readonly TimeSpan _heartbeat;
    private NodeState _state = NodeState.Empty;

    public NodeMetrics(MemoryCatalog catalog, ReplicaRegistry replicas, ClusterView view, IJobStore jobs, EmbeddingModels models,
        Microsoft.Extensions.Options.IOptions<ClusterSettings> cluster, ILogger<NodeMetrics> logger)
    {
        _heartbeat = TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds);
        _catalog = catalog;
        _replicas = replicas;
        _view = view;
        _jobs = jobs;
        _models = models;
        _logger = logger;
        Meter = new Meter("VisualMemory.Node");
        Shard("vm_shard_items", null, "Live items in a shard held by this node.", s => s.Items);
        Shard("vm_shard_stored_bytes", "By", "Bytes of the shard's segment objects in object storage.", s => s.StoredSegmentBytes);
        Shard("vm_shard_memory_bytes", "By", "Approximate bytes the shard holds in RAM (vectors or FAISS indexes, columns, id map).", s => s.RamBytes);
        Shard("vm_shard_dead_rows", null, "Deleted rows still in the shard's segments: compaction backlog.", s => s.Tombstones);
        Shard("vm_shard_log_records", null, "Write-ahead log records not yet covered by stored segments: checkpoint backlog.", s => s.LogRecords);
        Shard("vm_shard_log_bytes", "By", "Bytes of the shard's write-ahead log on local disk.", s => s.LogBytes);
        Shard("vm_shard_sealed_segments", null, "Sealed segments in the shard.", s => s.SealedSegments);
        Meter.CreateObservableCounter("vm_unlearning_requests", () => State.Unlearning.SelectMany(u => u.RequestsByKind.Select(k =>
            new Measurement<long>(k.Value, Tag("memory", u.Memory), Tag("kind", k.Key.ToString().ToLowerInvariant())))),
            null, "Unlearning requests audited (ids, source, label, item deletes), by memory and kind.");
        Meter.CreateObservableGauge("vm_unlearning_pending", () => State.Unlearning.Select(u => new Measurement<long>(u.Pending, Tag("memory", u.Memory))),
            null, "Unlearning requests whose items still have bytes in a stored object or log.");
        Meter.CreateObservableGauge("vm_unlearning_oldest_pending_age", () => State.Unlearning.Select(u =>
            new Measurement<double>(u.OldestPending is { } at ? Math.Max(0, (State.TakenAt - at).TotalSeconds) : 0, Tag("memory", u.Memory))),
            "s", "Age of the oldest unlearning request not yet forgotten (0 when none): the forgetting lag.");
        Meter.CreateObservableGauge("vm_embedding_queue_depth", () => _models.Loaded.Select(m => new Measurement<long>(m.Batcher.QueueDepth, Tag("model", m.Name))),
            null, "Images waiting in a model's batcher queue.");
        Meter.CreateObservableGauge("vm_embedding_queue_capacity", () => _models.Loaded.Select(m => new Measurement<long>(m.Batcher.QueueCapacity, Tag("model", m.Name))),
            null, "Images a model's batcher queue holds before refusing with 429.");
        Meter.CreateObservableGauge("vm_cluster_nodes", NodeCounts, null, "Registered nodes by role and liveness (alive, dead), as the control plane sees them.");
        Meter.CreateObservableGauge("vm_cluster_replicas", () => Enum.GetValues<AssignmentState>().Select(s =>
            new Measurement<long>(State.Assignments.Count(a => a.State == s), Tag("state", s.ToString().ToLowerInvariant()))),
            null, "Replica assignments by state (loading, ready, draining).");
        Meter.CreateObservableGauge("vm_cluster_shards_unavailable", () => new Measurement<long>(UnavailableShards()),
            null, "Placed shards with no Ready replica on a live node: searches of them fail or come back partial.");
        Meter.CreateObservableGauge("vm_ingest_job_state", JobStateGauges, null, "1 for an ingest job's current state, 0 for its other states (recent jobs only).");
        Meter.CreateObservableCounter("vm_ingest_rows", JobRows, null,
            "Rows of an ingest job by outcome (read; and each read row is one of added, duplicate, filtered, bad). Cluster-wide: aggregate with max, not sum.");
        Meter.CreateObservableGauge("vm_ingest_job_last_update_timestamp", () => State.Jobs.Select(j =>
            new Measurement<double>(j.UpdatedAt.ToUnixTimeMilliseconds() / 1000.0, Tag("job", Id(j)), Tag("memory", j.Memory))),
            "s", "When an ingest job or one of its parts last changed (Unix seconds, database clock).");
    }

    /// <summary>The node's own meter, which the collector accepts alongside the shared static ones.</summary>
    public Meter Meter { get; }

    private NodeState State => Volatile.Read(ref _state);

    /// <summary>Reads what the gauges report. Never throws: a control plane that does not answer keeps the last reading.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var shards = new List<NodeState.ShardReading>();
        var unlearning = new List<NodeState.UnlearningReading>();
        foreach (var memory in _catalog.Memories)
        {
            shards.AddRange(memory.ShardStats().Select(s => new NodeState.ShardReading(memory.Definition.Name, s.Shard, s)));
            unlearning.Add(Unlearning(memory));
        }
        foreach (var replica in _replicas.All)
        {
            if (replica.Data is { } data)
            {
                shards.AddRange(data.ShardStats().Select(s => new NodeState.ShardReading(replica.Memory, replica.Shard, s)));
                unlearning.Add(Unlearning(data) with { Memory = replica.Memory });
            }
        }
        var previous = State;
        var snapshot = _view.Current;
        IReadOnlyList<JobRecord> jobs = previous.Jobs;
        try
        {
            // At most a heartbeat old, as the request path reads it: placement changes show in the next scrape.
            snapshot = await _view.GetAsync(_heartbeat, cancellationToken).ConfigureAwait(false);
            jobs = [.. (await _jobs.ListJobsAsync(JobsReported, cancellationToken).ConfigureAwait(false)).Where(j => j.Kind == IngestJobs.Kind)];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ControlPlaneUnavailable(_logger, e);
        }
        // Replicas of one memory on this node report its audit once per replica; one reading per memory is enough.
        var perMemory = unlearning.GroupBy(u => u.Memory, StringComparer.Ordinal).Select(g => g.First()).ToList();
        Volatile.Write(ref _state, new NodeState(DateTimeOffset.UtcNow, shards, perMemory, [.. snapshot.Nodes], snapshot.Assignments, jobs));
    }

    public void Dispose() => Meter.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "metrics: the control plane did not answer; cluster and job gauges keep their last reading")]
    private static partial void ControlPlaneUnavailable(ILogger logger, Exception error);

    private static NodeState.UnlearningReading Unlearning(LocalMemory memory)
    {
        var records = memory.Unlearning.Records;
        var pending = records.Where(r => r.ForgottenAt is null).ToList();
        return new NodeState.UnlearningReading(memory.Definition.Name,
            records.GroupBy(r => r.Kind).ToDictionary(g => g.Key, g => (long)g.Count()),
            pending.Count, pending.Count == 0 ? null : pending.Min(r => r.At));
    }

    private void Shard(string name, string? unit, string description, Func<ShardStats, long> value) =>
        Meter.CreateObservableGauge(name, () => State.Shards.Select(s =>
            new Measurement<long>(value(s.Stats), Tag("memory", s.Memory), Tag("shard", s.Shard.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            unit, description);

    private IEnumerable<Measurement<long>> NodeCounts()
    {
        var nodes = State.Nodes;
        foreach (var role in new[] { NodeRoles.Coordinator, NodeRoles.ShardHost, NodeRoles.EmbeddingWorker })
        {
            var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(role.ToString());
            yield return new(nodes.Count(n => n.Roles.HasFlag(role) && n.Alive), Tag("role", name), Tag("state", "alive"));
            yield return new(nodes.Count(n => n.Roles.HasFlag(role) && !n.Alive), Tag("role", name), Tag("state", "dead"));
        }
    }

    private long UnavailableShards()
    {
        var state = State;
        var alive = state.Nodes.Where(n => n.Alive).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return state.Assignments.GroupBy(a => (a.Memory, a.Shard))
            .Count(g => !g.Any(a => a.State is AssignmentState.Ready or AssignmentState.Draining && alive.Contains(a.Node)));
    }

    private IEnumerable<Measurement<long>> JobStateGauges() =>
        State.Jobs.SelectMany(j => JobStates.Select(s => new Measurement<long>(IngestJobs.Name(j.State) == s ? 1 : 0, Tag("job", Id(j)), Tag("memory", j.Memory), Tag("state", s))));

    private IEnumerable<Measurement<long>> JobRows()
    {
        foreach (var job in State.Jobs)
        {
            var totals = IngestJobs.View(job, State.TakenAt).Totals;
            foreach (var (outcome, rows) in new[] { ("read", totals.RowsRead), ("added", totals.Added), ("duplicate", totals.Duplicates), ("filtered", totals.Filtered), ("bad", totals.Bad) })
            {
                yield return new(rows, Tag("job", Id(job)), Tag("memory", job.Memory), Tag("outcome", outcome));
            }
        }
    }

    private static string Id(JobRecord job) => job.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
