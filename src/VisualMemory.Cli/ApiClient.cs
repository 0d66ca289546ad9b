using System.Net;
using System.Net.Http.Headers;
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

    /// <summary>
    /// POSTs a multipart/form-data body: each image as a part named "image" (in order), then the text
    /// fields in order. The server pairs the n-th image with the n-th value of each repeated field.
    /// </summary>
    public async Task<JsonNode> PostMultipart(string path, IEnumerable<byte[]> images, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var content = new MultipartFormDataContent();
        var index = 0;
        foreach (var image in images)
        {
            var part = new ByteArrayContent(image);
            part.Headers.ContentType = new MediaTypeHeaderValue(ContentType(image));
            content.Add(part, "image", $"image-{index++}");
        }
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }
        using var response = await http.PostAsync(path, content).ConfigureAwait(false);
        return await Read(response).ConfigureAwait(false);
    }

    // The server decodes by content, not by declared type; an honest type still helps proxies and logs.
    private static string ContentType(ReadOnlySpan<byte> image) =>
        image.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]) ? "image/png"
        : image.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : image.Length >= 12 && image[..4].SequenceEqual("RIFF"u8) && image[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : "application/octet-stream";

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
            var hint = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => " (pass --api-key KEY or set VM_API_KEY)",
                HttpStatusCode.Forbidden => " (use a key with the admin scope)",
                _ => "",
            };
            throw new ServerException($"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}{hint}");
        }
        return JsonNode.Parse(text) ?? new JsonObject();
    }
}
