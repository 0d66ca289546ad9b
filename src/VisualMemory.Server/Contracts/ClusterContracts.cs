namespace VisualMemory.Server.Contracts;

/// <summary>One node as GET /v1/cluster/nodes shows it.</summary>
/// <param name="Name">Stable name.</param>
/// <param name="Address">Where other nodes reach it.</param>
/// <param name="Roles">Comma-separated roles.</param>
/// <param name="Alive">Lease not expired and not declared dead (database clock).</param>
/// <param name="Draining">Giving its replicas away.</param>
/// <param name="LastHeartbeatAt">Last registration or heartbeat.</param>
/// <param name="LeaseExpiresAt">When it stops counting as alive without another heartbeat.</param>
/// <param name="BytesHosted">Stored bytes of what it hosts, from its last heartbeat.</param>
public sealed record NodeInfo(string Name, string Address, string Roles, bool Alive, bool Draining, DateTimeOffset LastHeartbeatAt, DateTimeOffset LeaseExpiresAt, long BytesHosted);

/// <summary>The controller lease.</summary>
/// <param name="Holder">The node that plans placement now.</param>
/// <param name="Epoch">Grows with every change of holder.</param>
/// <param name="ExpiresAt">When the lease lapses unless renewed.</param>
public sealed record ControllerInfo(string Holder, long Epoch, DateTimeOffset ExpiresAt);

/// <summary>Body of GET /v1/cluster/nodes.</summary>
/// <param name="Self">The name of the node that answered.</param>
/// <param name="Nodes">Every registered node, by name.</param>
/// <param name="Controller">The controller lease, or null when nobody holds it.</param>
public sealed record ClusterNodes(string Self, IReadOnlyList<NodeInfo> Nodes, ControllerInfo? Controller);
