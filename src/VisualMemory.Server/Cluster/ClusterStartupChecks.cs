namespace VisualMemory.Server.Cluster;

/// <summary>
/// What a node in cluster mode needs before it starts, checked at once with a message that says what to
/// set: otherwise its replicas would stay loading forever with the reason only in a log.
/// </summary>
internal static class ClusterStartupChecks
{
    /// <exception cref="InvalidOperationException">Cluster mode without shared object storage or without an internal URL.</exception>
    public static void Check(IConfiguration configuration, ClusterSettings cluster)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(cluster);
        if (!cluster.Distributed)
        {
            return;
        }
        // Replicas are copied between nodes through object storage, so every node must reach the same store.
        if (string.Equals(configuration["Storage:Kind"] ?? "local", "local", StringComparison.OrdinalIgnoreCase)
            && string.IsNullOrWhiteSpace(configuration["Storage:Directory"]))
        {
            throw new InvalidOperationException(
                "Cluster mode (Cluster:Database set) needs object storage every node reaches: set Storage:Kind=s3 (with Storage:S3:*) " +
                "or Storage:Directory to a directory all nodes share; the default <data-dir>/objects is private to this node");
        }
        // Searches, writes and joins between nodes go to a port of their own that speaks only HTTP/2 (cleartext, or mutual TLS).
        if (string.IsNullOrWhiteSpace(cluster.InternalUrl))
        {
            throw new InvalidOperationException(
                "Cluster mode (Cluster:Database set) needs Cluster:InternalUrl, the HTTP/2 address other nodes reach this one on (for example http://10.0.0.5:5081)");
        }
    }
}
