using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli;

/// <summary>The few API calls the CLI makes; any non-success response becomes a <see cref="ServerException"/> with the problem's text.</summary>
internal sealed class ApiClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public async Task<JsonNode?> Get(string path)
    {
        using var response = await http.GetAsync(path).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await Read(response).ConfigureAwait(false);
    }

    public async Task<JsonNode> Post(string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body, Web).ConfigureAwait(false);
        return await Read(response).ConfigureAwait(false);
    }

    public async Task<JsonNode> Put(string path, object body)
    {
        using var response = await http.PutAsJsonAsync(path, body, Web).ConfigureAwait(false);
        return await Read(response).ConfigureAwait(false);
    }

    public async Task<JsonNode> Delete(string path)
    {
        using var response = await http.DeleteAsync(path).ConfigureAwait(false);
        return await Read(response).ConfigureAwait(false);
    }

    private static async Task<JsonNode> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var detail = text;
            try
            {
                var problem = JsonNode.Parse(text);
                detail = (string?)problem?["detail"] ?? (string?)problem?["title"] ?? text;
            }
            catch (JsonException)
            {
                // Not a problem document: show the raw body.
            }
            throw new ServerException($"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
        }
        return JsonNode.Parse(text) ?? new JsonObject();
    }
}
