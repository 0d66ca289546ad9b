using System.Net;
using static VisualMemory.Server.Tests.Security.SecurityTestKeys;

namespace VisualMemory.Server.Tests.Security;

/// <summary>The per-caller token bucket: a caller over its burst gets 429 with Retry-After; other callers and health probes do not notice.</summary>
public sealed class RateLimitTests : IDisposable
{
    private readonly ServerFixture _server;

    public RateLimitTests()
    {
        var settings = Settings();
        // One request every 10 s after a burst of 3: the test's requests cannot be replenished in time.
        settings["Security:RateLimit:PermitsPerSecond"] = "0.1";
        settings["Security:RateLimit:Burst"] = "3";
        _server = new ServerFixture(Path.Combine(Path.GetTempPath(), "vm-rate-" + Guid.NewGuid().ToString("N")), settings, deleteOnDispose: true);
    }

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_caller_over_its_burst_gets_429_with_retry_after_while_another_key_and_healthz_still_pass()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", Query))).StatusCode);
        }
        using var limited = await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", Query));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 10);

        // Buckets are per key: the admin key has its own; health probes are never limited.
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", Admin))).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        }
    }

    [Fact]
    public async Task Wrong_keys_are_limited_by_address_before_they_are_refused()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", $"guess-{i}-0123456789abcdef"))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", "guess-3-0123456789abcdef"))).StatusCode);
    }
}
