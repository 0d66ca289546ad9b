using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using VisualMemory.Server.Security;

namespace VisualMemory.Server.Tests.Security;

/// <summary>The scope table of docs/operations.md as code, and what counts as loopback for the startup refusal.</summary>
public sealed class RouteScopeTests
{
    [Theory]
    [InlineData("GET", "/healthz", "Open")]
    [InlineData("GET", "/metrics", "Open")]
    [InlineData("GET", "/", "Open")]
    [InlineData("GET", "/ui/app.js", "Open")]
    [InlineData("POST", "/ui/app.js", "Admin")]
    [InlineData("GET", "/v1/memories", "Query")]
    [InlineData("GET", "/v1/models", "Query")]
    [InlineData("GET", "/v1/jobs/3", "Query")]
    [InlineData("POST", "/v1/memories/m/search", "Query")]
    [InlineData("POST", "/v1/memories/m/search/batch", "Query")]
    [InlineData("POST", "/V1/Memories/m/CLASSIFY", "Query")]
    [InlineData("POST", "/v1/embed", "Query")]
    [InlineData("POST", "/v1/embed/batch", "Query")]
    [InlineData("POST", "/v1/memories", "Admin")]
    [InlineData("POST", "/v1/memories/m/items", "Admin")]
    [InlineData("DELETE", "/v1/memories/m", "Admin")]
    [InlineData("PUT", "/v1/memories/m/taxonomy", "Admin")]
    [InlineData("POST", "/v1/memories/m/classify/extra", "Admin")]
    [InlineData("POST", "/v1/jobs/ingest", "Admin")]
    [InlineData("POST", "/v1/cluster/rebalance", "Admin")]
    [InlineData("OPTIONS", "/v1/memories", "Admin")]
    [InlineData("POST", "/internal/v1/shard-search", "Internal")]
    [InlineData("POST", "/Internal/v1/replica-join", "Internal")]
    public void Each_route_needs_its_scope(string method, string path, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        Assert.Equal(expected, RouteScopes.For(context.Request, new SecuritySettings()).ToString());
    }

    [Fact]
    public void Metrics_can_be_put_under_the_query_scope()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/metrics";
        Assert.Equal(RouteAccess.Query, RouteScopes.For(context.Request, new SecuritySettings { MetricsRequireKey = true }));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("https://127.0.0.2:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://10.0.0.5:5080", false)]
    [InlineData("http://node-1.example:5080", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) =>
        Assert.Equal(loopback, SecurityStartupChecks.IsLoopback(url));

    [Fact]
    public void Kestrel_endpoints_in_configuration_count_as_listeners()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:5080",
            ["Kestrel:Endpoints:Wide:Url"] = "http://0.0.0.0:5090",
        }).Build();
        var empty = ApiKeys.FromConfiguration(configuration.GetSection("Security:ApiKeys"));
        var refused = Assert.Throws<InvalidOperationException>(() => SecurityStartupChecks.Check(configuration, new SecuritySettings(), empty, distributed: false));
        Assert.Contains("http://0.0.0.0:5090", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(SecurityStartupChecks.Check(configuration, new SecuritySettings { AllowAnonymous = true }, empty, distributed: false));
    }
}
