namespace VisualMemory.ControlPlane;

/// <summary>One node as the cluster store sees it.</summary>
/// <param name="Name">The node's stable id, chosen by the node.</param>
/// <param name="Address">Where other nodes reach it (for example http://10.0.0.5:5000).</param>
/// <param name="Roles">What it offers.</param>
/// <param name="RegisteredAt">When it last registered (database clock).</param>
/// <param name="LastHeartbeatAt">When it last registered or sent a heartbeat (database clock).</param>
/// <param name="LeaseExpiresAt">Until when it counts as alive without another heartbeat (database clock).</param>
/// <param name="Alive">Not declared dead and the lease has not expired, judged by the database clock so every reader agrees.</param>
/// <param name="Draining">Asked to give its replicas away before leaving.</param>
/// <param name="BytesHosted">What it reported hosting at its last heartbeat.</param>
public sealed record NodeRecord(
    string Name,
    string Address,
    NodeRoles Roles,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeatAt,
    DateTimeOffset LeaseExpiresAt,
    bool Alive,
    bool Draining,
    long BytesHosted);
