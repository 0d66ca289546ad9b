using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.TestSupport;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>
/// The real <c>prometheus</c> binary (apt package, scripts/setup.sh) on a free loopback port with its own
/// storage directory and a config scraping the given targets every second; stopped by its process id.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PrometheusServer(Process process, int port)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(50));
            }
        }
    }

    /// <summary>The binary, or null when it is not installed.</summary>
    public static string? Binary => new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists);

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port) as job "visualmemory", with <paramref name="ruleFiles"/> loaded.</summary>
    public static async Task<PrometheusServer> StartAsync(string directory, IReadOnlyList<string> targets, IReadOnlyList<string> ruleFiles)
    {
        var binary = Binary ?? throw new InvalidOperationException("prometheus is not installed (apt-get install prometheus; scripts/setup.sh does)");
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
            {{string.Concat(ruleFiles.Select(f => $"  - '{f}'\n"))}}
            scrape_configs:
              - job_name: visualmemory
                scrape_interval: 1s
                static_configs:
                  - targets: [{{string.Join(", ", targets.Select(t => $"'{t}'"))}}]
            """);
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var server = new PrometheusServer(Process.Start(start)!, port);
        server._process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (server._process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {server._process.ExitCode}: {server.Output}");
            }
            try
            {
                if ((await server.Client.GetAsync(new Uri("/-/ready", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                server.Dispose();
                throw new TimeoutException($"prometheus not ready: {server.Output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>GET /api/v1/query at the current time: the response's "data" (asserting status "success").</summary>
    public async Task<JsonNode> QueryAsync(string expression)
    {
        var response = await Client.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(expression), UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if ((string?)body["status"] != "success")
        {
            throw new InvalidOperationException($"query failed: {expression}\n{body.ToJsonString()}");
        }
        return body["data"]!;
    }

    public async Task<JsonNode> GetAsync(string path) =>
        (await Client.GetFromJsonAsync<JsonNode>(new Uri(path, UriKind.Relative)))!["data"]!;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        Client.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Add(line);
        }
    }
}
