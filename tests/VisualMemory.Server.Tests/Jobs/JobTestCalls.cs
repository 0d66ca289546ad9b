using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace VisualMemory.Server.Tests.Jobs;

/// <summary>The HTTP calls the ingest job tests share: a JSON POST with its expected status, and waiting for a job to end.</summary>
internal static class JobTestCalls
{
    public static async Task<JsonNode> PostAsync(HttpClient client, string path, object body, HttpStatusCode expected)
    {
        var response = await client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> WaitForJobAsync(HttpClient client, long id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/jobs/{id}", UriKind.Relative)))!;
            if ((string?)job["state"] != "running")
            {
                return job;
            }
            Assert.True(DateTime.UtcNow < deadline, $"job {id} still running: {job.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
