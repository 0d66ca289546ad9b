namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/cluster/shards/move.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="From">The node whose replica leaves once the new one is Ready.</param>
/// <param name="To">The node that receives the new replica.</param>
public sealed record MoveShardRequest(string? Memory, int? Shard, string? From, string? To);

/// <summary>An accepted move, as POST /v1/cluster/shards/move answers it.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="From">The node whose replica leaves once the new one is Ready.</param>
/// <param name="To">The node that receives the new replica.</param>
/// <param name="RequestedAt">When the control plane recorded it.</param>
public sealed record MoveInfo(string Memory, int Shard, string From, string To, DateTimeOffset RequestedAt);

/// <summary>A pending move and how far it has got, as GET /v1/cluster/operations shows it.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="From">The node whose replica leaves once the new one is Ready.</param>
/// <param name="To">The node that receives the new replica.</param>
/// <param name="RequestedAt">When the control plane recorded it.</param>
/// <param name="Target">The replica on <paramref name="To"/>: none (not placed yet), loading, ready or draining.</param>
/// <param name="Source">The replica on <paramref name="From"/>: ready (still serving), loading, draining, or none (gone).</param>
public sealed record MoveProgress(string Memory, int Shard, string From, string To, DateTimeOffset RequestedAt, string Target, string Source);

/// <summary>A draining node and what it still holds.</summary>
/// <param name="Node">The node.</param>
/// <param name="Alive">Whether its lease is current.</param>
/// <param name="Replicas">Replicas still assigned to it (in any state); 0 once it is empty.</param>
public sealed record DrainProgress(string Node, bool Alive, int Replicas);

/// <summary>Answer of POST and DELETE /v1/cluster/nodes/{name}/drain.</summary>
/// <param name="Node">The node.</param>
/// <param name="Draining">Whether it is now draining.</param>
public sealed record DrainInfo(string Node, bool Draining);

/// <summary>A pending rebalance request.</summary>
/// <param name="RequestedAt">When it was made; asking again while one is pending keeps this time.</param>
public sealed record RebalanceInfo(DateTimeOffset RequestedAt);

/// <summary>Body of GET /v1/cluster/operations: what operators asked for and how far it has got.</summary>
/// <param name="Moves">Pending moves, by memory, shard and source node.</param>
/// <param name="Drains">Draining nodes, by name.</param>
/// <param name="Rebalance">The pending rebalance request, or null.</param>
/// <param name="LoadingReplicas">Replicas placed but not yet Ready, cluster-wide (a rebalance's moves among them).</param>
/// <param name="Done">True when no move is pending, every draining node is empty and no rebalance is pending.</param>
public sealed record OperationsView(IReadOnlyList<MoveProgress> Moves, IReadOnlyList<DrainProgress> Drains, RebalanceInfo? Rebalance, int LoadingReplicas, bool Done);
