namespace VisualMemory.Server.Security;

/// <summary>
/// Who may call the node and how often. Bound from configuration section "Security"; API keys are read
/// from <c>Security:ApiKeys</c> by <see cref="ApiKeys.FromConfiguration"/>.
/// </summary>
public sealed class SecuritySettings
{
    /// <summary>
    /// Lets a node without API keys (or, in cluster mode, without a cluster secret) listen beyond loopback.
    /// Off by default: such a node refuses to start, because anyone who reaches it could change or drop memories.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>The secret every node of a cluster shares; internal routes refuse calls without it (at least 16 characters).</summary>
    public string? ClusterSecret { get; set; }

    /// <summary>
    /// PEM file with this node's certificate (optionally followed by intermediates) for the internal port's TLS: served
    /// to nodes that call this one and presented as the client certificate when this node calls others. Its
    /// subjectAltName must hold the host of <c>Cluster:InternalUrl</c>, and it must be allowed for both server and client
    /// authentication. Needed, with <see cref="InternalKeyPath"/> and <see cref="InternalCaPath"/>, when the internal URL is https.
    /// </summary>
    public string? InternalCertificatePath { get; set; }

    /// <summary>PEM file with the unencrypted private key of <see cref="InternalCertificatePath"/>; readable by the node only.</summary>
    public string? InternalKeyPath { get; set; }

    /// <summary>
    /// PEM file with the CA certificate(s) that sign every node's certificate: the only roots through which this node
    /// trusts a peer on the internal port, as server and as client (the system's trust store is not consulted).
    /// </summary>
    public string? InternalCaPath { get; set; }

    /// <summary>Whether <c>/metrics</c> needs a query key; off by default so Prometheus scrapes it without one.</summary>
    public bool MetricsRequireKey { get; set; }

    /// <summary>Per-caller request rate limit; off unless <see cref="RateLimitSettings.PermitsPerSecond"/> is set.</summary>
    public RateLimitSettings RateLimit { get; set; } = new();
}
