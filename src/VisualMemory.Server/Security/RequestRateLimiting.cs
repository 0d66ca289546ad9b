using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace VisualMemory.Server.Security;

/// <summary>
/// ASP.NET Core's rate limiter with one token bucket per caller: per API key name when the request carries a
/// valid key, else per remote address (anonymous nodes, and wrong keys, which would otherwise guess freely).
/// Health probes, open metrics and node-to-node calls are never limited. Refusals are 429 problem details with Retry-After.
/// </summary>
internal static class RequestRateLimiting
{
    /// <summary>Adds the limiter when <see cref="RateLimitSettings.PermitsPerSecond"/> is positive; returns whether it did.</summary>
    /// <exception cref="InvalidOperationException">A negative rate or a burst below 1.</exception>
    public static bool Add(IServiceCollection services, RateLimitSettings settings)
    {
        if (settings.PermitsPerSecond < 0 || settings.Burst < 1)
        {
            throw new InvalidOperationException("Security:RateLimit: PermitsPerSecond must be 0 (off) or more, and Burst at least 1");
        }
        if (settings.PermitsPerSecond == 0)
        {
            return false;
        }
        // Tokens are added about ten times a second rather than once, so a caller who used the bucket up waits
        // a fraction of a second, not a whole one; slow rates add one token at a time.
        var tokens = Math.Max(1, (int)Math.Ceiling(settings.PermitsPerSecond / 10));
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokens / settings.PermitsPerSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                SecurityMiddleware.IsExempt(context) ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetTokenBucketLimiter(
                    SecurityMiddleware.Caller(context) is { } key ? "key:" + key.Name : "ip:" + context.Connection.RemoteIpAddress,
                    _ => bucket));
            options.OnRejected = Reject;
        });
        return true;
    }

    private static async ValueTask Reject(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.",
            detail: $"this caller's rate limit (Security:RateLimit) is used up; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s")
            .ExecuteAsync(context).ConfigureAwait(false);
    }
}
