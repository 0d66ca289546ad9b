namespace VisualMemory.Cluster.Transport;

/// <summary>
/// How one node proves to another that it belongs to the cluster: the shared secret
/// (<c>Security:ClusterSecret</c>) in a request header on every internal call.
/// </summary>
public static class ClusterAuthentication
{
    /// <summary>The header every internal client sends and every internal route checks.</summary>
    public const string Header = "X-VM-Cluster-Secret";
}
