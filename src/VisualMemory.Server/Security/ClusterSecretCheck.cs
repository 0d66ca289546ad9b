namespace VisualMemory.Server.Security;

/// <summary>Checks the cluster secret on internal routes; with none configured (loopback-only or AllowAnonymous nodes) every call passes.</summary>
internal sealed class ClusterSecretCheck
{
    private readonly byte[]? _hash;

    /// <summary>A check for <paramref name="secret"/> (null or empty: no check).</summary>
    /// <exception cref="InvalidOperationException">The secret is shorter than <see cref="ApiKeys.MinimumKeyLength"/>.</exception>
    public ClusterSecretCheck(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }
        _hash = secret.Length >= ApiKeys.MinimumKeyLength
            ? SecretHash.Of(secret)
            : throw new InvalidOperationException($"Security:ClusterSecret must be at least {ApiKeys.MinimumKeyLength} characters (e.g. openssl rand -hex 32)");
    }

    /// <summary>Whether a call presenting <paramref name="presented"/> may use an internal route.</summary>
    public bool Allows(string? presented) => _hash is null || SecretHash.Matches(presented, _hash);
}
