using System.Net;
using System.Net.Http.Json;
using static VisualMemory.Server.Tests.Security.SecurityTestKeys;

namespace VisualMemory.Server.Tests.Security;

/// <summary>API keys and scopes on the public routes, in process: who is refused with what, and who gets through.</summary>
public sealed class ApiKeyTests : IDisposable
{
    private const int D = 4;
    private readonly ServerFixture _server = new(Path.Combine(Path.GetTempPath(), "vm-keys-" + Guid.NewGuid().ToString("N")), Settings(), deleteOnDispose: true);

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Without_a_key_the_api_answers_401_with_a_bearer_challenge_and_problem_details()
    {
        using var response = await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("API key required.", (string?)(await ServerFixture.Json(response))["title"]);
    }

    [Fact]
    public async Task A_wrong_key_answers_401_whichever_header_carries_it()
    {
        using var bearer = await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories", bearer: Query + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, bearer.StatusCode);
        Assert.Contains("invalid_token", bearer.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("Unknown API key.", (string?)(await ServerFixture.Json(bearer))["title"]);
        var header = Request(HttpMethod.Post, "/v1/memories/m/classify", json: new { vector = new float[D] });
        header.Headers.Add("X-Api-Key", "not-a-key-at-all-0000");
        using var viaHeader = await _server.Client.SendAsync(header);
        Assert.Equal(HttpStatusCode.Unauthorized, viaHeader.StatusCode);
    }

    [Fact]
    public async Task A_query_key_reads_and_classifies_but_gets_403_on_admin_routes()
    {
        using var created = await _server.Client.SendAsync(Request(HttpMethod.Post, "/v1/memories", Admin, new { name = "m", dimension = D, index = "Flat", shards = 1 }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var items = new { items = new[] { new { id = 1L, label = "a", vector = new[] { 1f, 0, 0, 0 } }, new { id = 2L, label = "b", vector = new[] { 0f, 1, 0, 0 } } } };
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(Request(HttpMethod.Post, "/v1/memories/m/items", Admin, items))).StatusCode);

        // Query scope: GET routes, search and classify (X-Api-Key works as well as Bearer).
        var classify = Request(HttpMethod.Post, "/v1/memories/m/classify", json: new { vector = new[] { 1f, 0.1f, 0, 0 }, k = 1 });
        classify.Headers.Add("X-Api-Key", Query);
        using var classified = await _server.Client.SendAsync(classify);
        Assert.Equal(HttpStatusCode.OK, classified.StatusCode);
        Assert.Equal("a", (string?)(await ServerFixture.Json(classified))["label"]);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(Request(HttpMethod.Post, "/v1/memories/m/search", Query, new { vector = new[] { 1f, 0, 0, 0 }, k = 1 }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories/m", Query))).StatusCode);

        // Admin scope: writes, deletes, drops, whatever the path's case.
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Post, "/v1/memories", new { name = "n", dimension = D }),
            (HttpMethod.Post, "/v1/memories/m/items", items),
            (HttpMethod.Delete, "/v1/memories/m/items/1", null),
            (HttpMethod.Post, "/v1/memories/m/unlearn", new { ids = new[] { 1 } }),
            (HttpMethod.Delete, "/V1/MEMORIES/M", null),
        })
        {
            using var refused = await _server.Client.SendAsync(Request(method, path, Query, body));
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {refused.StatusCode}");
            Assert.Contains("insufficient_scope", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
        // Nothing the refused requests asked for happened.
        Assert.Equal(2, (int)(await ServerFixture.Json(await _server.Client.SendAsync(Request(HttpMethod.Get, "/v1/memories/m", Admin))))["count"]!);
    }

    [Fact]
    public async Task Health_stays_open_and_metrics_need_no_key_by_default()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        // Whether or not this build serves /metrics, it never asks for a key.
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await _server.Client.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public void A_short_key_or_an_unknown_scope_stops_the_node_at_start_without_echoing_the_key()
    {
        foreach (var (setting, value, message) in new[]
        {
            ("Security:ApiKeys:0:Key", "short-secret", "at least 16 characters"),
            ("Security:ApiKeys:0:Scopes", "root", "unknown scope 'root'"),
        })
        {
            var settings = Settings();
            settings[setting] = value;
            var refused = Assert.ThrowsAny<Exception>(() => new ServerFixture(Path.Combine(Path.GetTempPath(), "vm-keys-" + Guid.NewGuid().ToString("N")), settings, deleteOnDispose: true));
            var messages = string.Join(" | ", Chain(refused).Select(e => e.Message));
            Assert.Contains(message, messages, StringComparison.Ordinal);
            Assert.DoesNotContain("short-secret", messages, StringComparison.Ordinal);
        }

        static IEnumerable<Exception> Chain(Exception? e)
        {
            for (; e is not null; e = e.InnerException)
            {
                yield return e;
            }
        }
    }
}
