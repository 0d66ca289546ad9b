namespace VisualMemory.Server.Cluster;

/// <summary>Who this node is in the cluster: its stable name and the address other nodes reach it at.</summary>
/// <param name="Name">The node's name (Cluster:NodeName, or machine name and public port).</param>
/// <param name="Address">Its internal URL when it has one, else its public URL.</param>
internal sealed record NodeIdentity(string Name, string Address);
