namespace VisualMemory.Server.Security;

/// <summary>A token bucket per API key (per remote IP address for anonymous or unauthenticated callers). Section "Security:RateLimit".</summary>
public sealed class RateLimitSettings
{
    /// <summary>Sustained requests per second each caller may make; 0 (the default) turns rate limiting off.</summary>
    public double PermitsPerSecond { get; set; }

    /// <summary>Requests a caller may make at once after being idle (the bucket's size).</summary>
    public int Burst { get; set; } = 100;
}
