using VisualMemory.Core.Placement;

namespace VisualMemory.Core.Tests.Placement;

/// <summary>A snapshot of a simulated cluster: what the controller would read from its store.</summary>
public sealed record ClusterState(
    IReadOnlyList<PlacementNode> Nodes,
    IReadOnlyList<ShardDemand> Shards,
    IReadOnlyList<ReplicaAssignment> Replicas,
    PlacementOptions Options)
{
    public static ClusterState Empty(int nodes, int memories, int shardsPerMemory, int replicationFactor, long bytes = 100) =>
        new(
            [.. Enumerable.Range(0, nodes).Select(i => new PlacementNode(NodeName(i), Alive: true, Draining: false, BytesHosted: 0))],
            [.. from m in Enumerable.Range(0, memories)
                from s in Enumerable.Range(0, shardsPerMemory)
                select new ShardDemand($"mem{m}", s, replicationFactor, bytes)],
            [],
            PlacementOptions.Default);

    public static string NodeName(int i) => $"node{i:D2}";

    public PlacementNode Node(string name) => Nodes.Single(n => n.Name == name);

    public ClusterState WithNode(string name, Func<PlacementNode, PlacementNode> change) =>
        this with { Nodes = [.. Nodes.Select(n => n.Name == name ? change(n) : n)] };

    public ClusterState Kill(string name) => WithNode(name, n => n with { Alive = false });

    public ClusterState Drain(string name) => WithNode(name, n => n with { Draining = true });

    public ClusterState AddNode(string name) => this with { Nodes = [.. Nodes, new PlacementNode(name, true, false, 0)] };

    public int EligibleNodes => Nodes.Count(n => n.Eligible);

    public int Ready(ShardDemand shard) =>
        Replicas.Count(r => r.Memory == shard.Memory && r.Shard == shard.Shard && r.State == ReplicaState.Ready);

    public IEnumerable<ReplicaAssignment> On(string node) => Replicas.Where(r => r.Node == node);

    /// <summary>Bytes assigned per eligible node (every state counts: the bytes are still in memory).</summary>
    public Dictionary<string, long> Loads()
    {
        var size = Shards.ToDictionary(s => (s.Memory, s.Shard), s => s.Bytes);
        return Nodes.Where(n => n.Eligible).ToDictionary(
            n => n.Name,
            n => Replicas.Where(r => r.Node == n.Name).Sum(r => size[(r.Memory, r.Shard)]));
    }

    public long Spread()
    {
        var loads = Loads().Values;
        return loads.Count == 0 ? 0 : loads.Max() - loads.Min();
    }
}
