using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;

namespace VisualMemory.Server.Metrics;

/// <summary>
/// What the node's gauges report, read once per scrape before the observable instruments are asked: the
/// shards it holds (memories and hosted replicas), the cluster view, recent ingest jobs. Taken in one place so
/// the instruments' callbacks stay synchronous and see one consistent reading.
/// </summary>
internal sealed record NodeState(
    DateTimeOffset TakenAt,
    IReadOnlyList<NodeState.ShardReading> Shards,
    IReadOnlyList<NodeState.UnlearningReading> Unlearning,
    IReadOnlyList<NodeRecord> Nodes,
    IReadOnlyList<AssignmentRecord> Assignments,
    IReadOnlyList<JobRecord> Jobs)
{
    public static NodeState Empty { get; } = new(DateTimeOffset.MinValue, [], [], [], [], []);

    /// <summary>One shard this node holds: of a memory it hosts whole, or a replica.</summary>
    public sealed record ShardReading(string Memory, int Shard, ShardStats Stats);

    /// <summary>A memory's unlearning audit: requests by kind, those whose bytes are not yet gone, and the oldest of them.</summary>
    public sealed record UnlearningReading(string Memory, IReadOnlyDictionary<UnlearningKind, long> RequestsByKind, int Pending, DateTimeOffset? OldestPending);
}
