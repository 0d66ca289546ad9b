namespace VisualMemory.ControlPlane;

/// <summary>
/// The cluster's shared state: nodes and their leases, the controller lease, memories and replica
/// placement. Every operation is one transaction of the underlying database, and every lease is
/// judged by the database's clock, so nodes whose own clocks disagree still agree on who is alive
/// and who is controller. Implementations: <see cref="PostgresClusterStore"/> (a cluster) and
/// <see cref="SqliteClusterStore"/> (an embedded single node).
/// </summary>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>Creates the schema if it is missing; safe to call any number of times, from any number of nodes.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Registers the node, or updates its address and roles when the name is known; either way its lease starts anew and a node declared dead is alive again.</summary>
    /// <param name="name">The node's stable id.</param>
    /// <param name="address">Where other nodes reach it.</param>
    /// <param name="roles">What it offers.</param>
    /// <param name="lease">How long it counts as alive without a heartbeat.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<NodeRecord> RegisterNodeAsync(string name, string address, NodeRoles roles, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Renews the node's lease and records what it hosts; false when the node is unknown or was declared dead (it must register again, and reload).</summary>
    Task<bool> HeartbeatAsync(string name, TimeSpan lease, long bytesHosted, CancellationToken cancellationToken = default);

    /// <summary>Every node, by name.</summary>
    Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks the node as draining or not; false when it is unknown.</summary>
    Task<bool> SetDrainingAsync(string name, bool draining, CancellationToken cancellationToken = default);

    /// <summary>Marks every node whose lease has expired as dead and returns their names; a node is returned once, by the call that declared it.</summary>
    Task<IReadOnlyList<string>> DeclareDeadNodesAsync(CancellationToken cancellationToken = default);

    /// <summary>Takes the controller lease when it is free or expired (a new epoch) or renews it when this node holds it (same epoch); null when another node holds it.</summary>
    Task<ControllerLease?> TryAcquireControllerAsync(string name, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Gives the controller lease up when this node holds it; false otherwise.</summary>
    Task<bool> ReleaseControllerAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The current controller, or null when the lease is free or expired.</summary>
    Task<ControllerLease?> GetControllerAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a memory with its shards; false when a memory of that name exists.</summary>
    Task<bool> CreateMemoryAsync(string name, string definitionJson, int shards, int replicationFactor, CancellationToken cancellationToken = default);

    /// <summary>Every memory, by name.</summary>
    Task<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops the memory, its shards and every assignment of them; false when it does not exist.</summary>
    Task<bool> DropMemoryAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The replica assignments of one memory, or of all when <paramref name="memory"/> is null, by memory, shard and node.</summary>
    Task<IReadOnlyList<AssignmentRecord>> ListAssignmentsAsync(string? memory = null, CancellationToken cancellationToken = default);

    /// <summary>The shards of one memory, or of all when <paramref name="memory"/> is null, with their epochs and primaries, by memory and shard.</summary>
    Task<IReadOnlyList<ShardRecord>> ListShardsAsync(string? memory = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a batch of placement changes in one transaction, only while <paramref name="controllerName"/>
    /// holds the controller lease with <paramref name="controllerEpoch"/> (checked inside that transaction).
    /// Each change bumps its shard's assignment epoch. All or nothing: any outcome but Applied writes nothing.
    /// </summary>
    Task<PlacementOutcome> ApplyPlacementAsync(string controllerName, long controllerEpoch, IReadOnlyList<PlacementChange> changes, CancellationToken cancellationToken = default);

    /// <summary>Marks a Loading replica Ready; ignored (false) unless the assignment still has that epoch and is Loading.</summary>
    Task<bool> ReportReadyAsync(string memory, int shard, string node, long epoch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the shard's stored size as reported by its primary (the replica whose copy is the
    /// reference), for placement to balance bytes; false, writing nothing, when <paramref name="node"/> is
    /// not the shard's recorded primary.
    /// </summary>
    Task<bool> ReportShardSizeAsync(string memory, int shard, string node, long storedBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// A primary that could not forward a write to a replica takes that replica out of the in-sync set:
    /// in one transaction, only while <paramref name="primaryNode"/> is the shard's primary in
    /// <paramref name="primaryTerm"/>, bumps the shard epoch and sets the node's Loading or Ready replica
    /// to Loading with the new epoch, so a Ready report it sends with the old epoch fails and it must
    /// catch up first. False, writing nothing, when the primary or term no longer match or the node
    /// holds no Loading or Ready replica of the shard (a Draining one is leaving anyway).
    /// </summary>
    /// <param name="memory">The memory.</param>
    /// <param name="shard">The shard number.</param>
    /// <param name="node">The replica's node.</param>
    /// <param name="primaryNode">The caller, as the primary it believes it is.</param>
    /// <param name="primaryTerm">The term it believes it is primary in.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<bool> DemoteReplicaAsync(string memory, int shard, string node, string primaryNode, long primaryTerm, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records an operator's request to move the replica of <paramref name="shard"/> on <paramref name="fromNode"/>
    /// to <paramref name="toNode"/>, for whichever node is controller now or later. Only records: the
    /// caller validates the move against the placement first, and the controller carries it out.
    /// </summary>
    /// <returns><see cref="MoveRequestOutcome.Duplicate"/> when a move of that replica is already pending; <see cref="MoveRequestOutcome.Invalid"/> for an unknown memory, shard or node.</returns>
    Task<MoveRequestOutcome> RequestMoveAsync(string memory, int shard, string fromNode, string toNode, CancellationToken cancellationToken = default);

    /// <summary>Every pending move, by memory, shard and source node.</summary>
    Task<IReadOnlyList<PendingMove>> ListPendingMovesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Retires a pending move the controller has seen finished (or given up), only while
    /// <paramref name="controllerName"/> holds the controller lease with <paramref name="controllerEpoch"/>.
    /// </summary>
    /// <returns><see cref="PlacementOutcome.Applied"/>; <see cref="PlacementOutcome.NotController"/> when deposed; <see cref="PlacementOutcome.Conflict"/> when no such move is pending.</returns>
    Task<PlacementOutcome> CompleteMoveAsync(string controllerName, long controllerEpoch, string memory, int shard, string fromNode, CancellationToken cancellationToken = default);

    /// <summary>Withdraws a pending move (an operator's cancel); false when none is pending for that replica. Replicas already placed stay; the planner settles them.</summary>
    Task<bool> CancelMoveAsync(string memory, int shard, string fromNode, CancellationToken cancellationToken = default);

    /// <summary>Asks the controller to rebalance; returns when the pending request was made (asking again while one is pending keeps the first).</summary>
    Task<DateTimeOffset> RequestRebalanceAsync(CancellationToken cancellationToken = default);

    /// <summary>When the pending rebalance request was made, or null when none is pending.</summary>
    Task<DateTimeOffset?> GetRebalanceRequestAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears the rebalance request made at <paramref name="requestedAt"/>, only while <paramref name="controllerName"/>
    /// holds the controller lease with <paramref name="controllerEpoch"/>. A request made since (after the controller
    /// read this one) stays pending: the controller has not yet planned with the nodes it was made for.
    /// </summary>
    /// <returns><see cref="PlacementOutcome.Applied"/> (also when none, or a newer one, was pending) or <see cref="PlacementOutcome.NotController"/>.</returns>
    Task<PlacementOutcome> ClearRebalanceAsync(string controllerName, long controllerEpoch, DateTimeOffset requestedAt, CancellationToken cancellationToken = default);
}
