namespace VisualMemory.Core.Placement;

/// <summary>One demanded shard and its replicas on live nodes, while a plan is built.</summary>
internal sealed class ShardWork(ShardDemand demand)
{
    public ShardDemand Demand { get; } = demand;

    public List<PlannedReplica> Replicas { get; } = [];

    /// <summary>Target of a valid operator move of this shard, if any.</summary>
    public string? MoveTarget { get; set; }

    /// <summary>Set when a replica could not be placed for lack of eligible nodes.</summary>
    public bool Starved { get; set; }

    /// <summary>Set when the shard has a change in flight, so rebalancing leaves it alone.</summary>
    public bool Busy { get; set; }

    public string Label => $"{Demand.Memory}/{Demand.Shard}";

    public int StayingCount => Replicas.Count(r => r.Staying);

    public int StayingReadyCount => Replicas.Count(r => r.StayingReady);

    /// <summary>True when the node holds a replica of the shard in any state, so it must not get another.</summary>
    public bool Holds(string node) => Replicas.Exists(r => !r.Removed && r.Node == node);
}
