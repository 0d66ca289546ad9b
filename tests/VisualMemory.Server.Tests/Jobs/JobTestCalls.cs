using System.Diagnostics;
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

    /// <summary>Runs <paramref name="code"/> with numpy (as np) and json imported, in <paramref name="directory"/>: numpy writes the datasets, so the readers are checked against the format's own implementation.</summary>
    public static void Python(string directory, string code)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = directory };
        using var process = Process.Start(start)!;
        process.StandardInput.Write("import numpy as np, json\n" + code);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }
}
