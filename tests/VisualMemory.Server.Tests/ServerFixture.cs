using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace VisualMemory.Server.Tests;

/// <summary>
/// The real server in process, with its own data directory and small limits so the limit paths
/// are cheap to reach.
/// </summary>
public sealed class ServerFixture : IDisposable
{
    public const int MaxItems = 50;
    public const long MaxBodyBytes = 200_000;

    private readonly WebApplicationFactory<Program> _factory;

    // Whether Dispose deletes the data directory: yes when the fixture chose it, or when the last of a
    // restart test's servers says so.
    private readonly bool _ownsDirectory;

    public ServerFixture() : this(Path.Combine(Path.GetTempPath(), "vm-tests-" + Guid.NewGuid().ToString("N")), deleteOnDispose: true) { }

    public ServerFixture(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null, bool deleteOnDispose = false)
    {
        DataDirectory = dataDirectory;
        _ownsDirectory = deleteOnDispose;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder
                .UseSetting("data-dir", dataDirectory)
                .UseSetting("Api:MaxItemsPerRequest", MaxItems.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .UseSetting("Api:MaxRequestBodyBytes", MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .UseSetting("Api:MaxBatchQueries", "8");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }
        });
        Client = _factory.CreateClient();
    }

    public string DataDirectory { get; }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        if (_ownsDirectory && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public Task<HttpResponseMessage> Post(string path, object body) => Client.PostAsJsonAsync(path, body);

    public Task<HttpResponseMessage> PostRaw(string path, string body, string contentType = "application/json") =>
        Client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, contentType));

    public async Task CreateMemory(string name, int dimension, string index = "Flat", int shards = 4)
    {
        var response = await Post("/v1/memories", new { name, dimension, index, shards });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    public async Task AddItems(string memory, params (long Id, string Label, float[] Vector)[] items)
    {
        var response = await Post($"/v1/memories/{memory}/items", new { items = items.Select(i => new { id = i.Id, label = i.Label, vector = i.Vector }) });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Everything observable about a memory's content: its description (less its layout) and what a fixed set of queries returns.</summary>
    public async Task<string> Observe(string memory, int dimension)
    {
        // What the memory holds, not how it is laid out: a restart checkpoints (seals, trains, stores),
        // which changes segment counts and storage figures but no item.
        var info = JsonNode.Parse(await Client.GetStringAsync($"/v1/memories/{memory}"))!.AsObject();
        foreach (var layout in new[] { "shardStats", "storage", "trained", "lastSealError" })
        {
            info.Remove(layout);
        }
        var queries = Enumerable.Range(0, dimension).Select(axis => Axis(dimension, axis)).ToArray();
        var search = await Post($"/v1/memories/{memory}/search/batch", new { vectors = queries.Take(8), k = 20 });
        return info.ToJsonString() + await search.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// <see cref="Observe"/> plus the state of every capability (prunes, unlearning log, taxonomy,
    /// linear head, labels), for asserting that a rejected call changed nothing. Error bodies are
    /// reduced to their status code, since problem details carry a per-request trace id.
    /// </summary>
    public async Task<string> ObserveAll(string memory, int dimension)
    {
        var text = new System.Text.StringBuilder(await Observe(memory, dimension));
        foreach (var path in new[] { "prunes", "unlearning", "taxonomy", "linear-head", "labels" })
        {
            var response = await Client.GetAsync($"/v1/memories/{memory}/{path}");
            text.Append('|').Append(path).Append(' ').Append((int)response.StatusCode).Append(' ');
            if (response.IsSuccessStatusCode)
            {
                text.Append(await response.Content.ReadAsStringAsync());
            }
        }
        return text.ToString();
    }

    /// <summary>POSTs and asserts <paramref name="expected"/> (200 unless told), returning the body.</summary>
    public async Task<JsonNode> PostOk(string path, object body, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        var response = await Post(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>GETs and asserts 200, returning the body.</summary>
    public async Task<JsonNode> GetOk(string path)
    {
        var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Sends a raw body with any method and asserts the status, returning the problem (or body).</summary>
    public async Task<JsonNode?> Send(HttpMethod method, string path, string body, System.Net.HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public static float[] Axis(int dimension, int axis, float value = 1)
    {
        var v = new float[dimension];
        v[axis % dimension] = value;
        return v;
    }

    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web);
}
