using System.Collections.Concurrent;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// One reading of the control plane (nodes, memories, shards with their primaries, replica
/// assignments), taken in a few queries and then looked up locally, so the request path does not
/// query the database per request. At most one heartbeat old unless refreshed on a miss.
/// </summary>
internal sealed class ClusterSnapshot
{
    private readonly Dictionary<string, NodeRecord> _nodes;
    private readonly Dictionary<string, MemoryRecord> _memories;
    private readonly Dictionary<(string, int), ShardRecord> _shards;
    private readonly ILookup<(string, int), AssignmentRecord> _replicas;
    private readonly ConcurrentDictionary<string, MemoryDefinition> _definitions = new(StringComparer.Ordinal);

    public ClusterSnapshot(DateTimeOffset takenAt, IReadOnlyList<NodeRecord> nodes, IReadOnlyList<MemoryRecord> memories,
        IReadOnlyList<ShardRecord> shards, IReadOnlyList<AssignmentRecord> assignments)
    {
        TakenAt = takenAt;
        Assignments = assignments;
        _nodes = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        _memories = memories.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _shards = shards.ToDictionary(s => (s.Memory, s.Shard));
        _replicas = assignments.ToLookup(a => (a.Memory, a.Shard));
    }

    /// <summary>An empty view, before the first reading.</summary>
    public static ClusterSnapshot Empty { get; } = new(DateTimeOffset.MinValue, [], [], [], []);

    /// <summary>When the reading was taken (this node's clock: only used to decide when to read again).</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>Every registered node, alive or not (metrics count them by role and liveness).</summary>
    public IEnumerable<NodeRecord> Nodes => _nodes.Values;

    /// <summary>Every memory, by name.</summary>
    public IEnumerable<MemoryRecord> Memories => _memories.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>Every replica assignment.</summary>
    public IReadOnlyList<AssignmentRecord> Assignments { get; }

    public MemoryRecord? Memory(string name) => _memories.GetValueOrDefault(name);

    /// <summary>The memory's definition, parsed once per reading (queries look it up on every request); null when unknown.</summary>
    public MemoryDefinition? Definition(string name) =>
        Memory(name) is { } record ? _definitions.GetOrAdd(name, _ => MemoryDefinitionJson.Parse(record.DefinitionJson)) : null;

    public ShardRecord? Shard(string memory, int shard) => _shards.GetValueOrDefault((memory, shard));

    public IEnumerable<AssignmentRecord> Replicas(string memory, int shard) => _replicas[(memory, shard)];

    /// <summary>Live nodes that have <paramref name="role"/>, by name.</summary>
    public IEnumerable<NodeRecord> LiveNodes(NodeRoles role) =>
        _nodes.Values.Where(n => n.Alive && n.Roles.HasFlag(role)).OrderBy(n => n.Name, StringComparer.Ordinal);

    /// <summary>The node's internal address when it is alive, else null.</summary>
    public Uri? AliveAddress(string node) =>
        _nodes.TryGetValue(node, out var record) && record.Alive ? new Uri(record.Address) : null;

    /// <summary>The shard's primary when it is recorded, alive and Ready: where its writes go.</summary>
    public (string Node, long Term, Uri Address)? Primary(string memory, int shard)
    {
        if (Shard(memory, shard) is not { PrimaryNode: { } node } record || AliveAddress(node) is not { } address)
        {
            return null;
        }
        return Replicas(memory, shard).Any(a => a.Node == node && a.State == AssignmentState.Ready)
            ? (node, record.PrimaryTerm, address)
            : null;
    }
}
