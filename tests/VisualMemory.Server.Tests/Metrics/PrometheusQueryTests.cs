using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VisualMemory.Server.Tests.Embedding;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>
/// /metrics on a real node with traffic: strictly valid text format, and every PromQL expression shipped in
/// deploy/grafana/*.json and deploy/prometheus/alerts.yml returns data from a real Prometheus scraping the node.
/// </summary>
/// <remarks>
/// The rule for alert expressions: an alert is normally silent, so its whole expression (a comparison with a
/// threshold, such as <c>up == 0</c>) is checked to evaluate without error, and its left-hand side without the
/// threshold (<c>up</c>) must return data. Prometheus parses the rule file itself (it is loaded as a rule file and
/// read back from /api/v1/rules in canonical form), so the split is made on its printing, not on YAML.
/// Grafana variables are substituted: <c>$memory</c> and <c>$instance</c> by <c>.*</c> (their "All" value),
/// <c>$__rate_interval</c> by <c>1m</c>.
/// </remarks>
public sealed partial class PrometheusQueryTests(MetricsNodeFixture fixture) : IClassFixture<MetricsNodeFixture>
{
    [GeneratedRegex("""^(?<lhs>.+)\s(?:==|!=|>=|<=|>|<)\s(?<threshold>-?[0-9][0-9.e+-]*)$""", RegexOptions.Singleline)]
    private static partial Regex Threshold();

    private static string Deploy => Path.Combine(ImageTestKit.RepositoryRoot(), "deploy");

    [Fact]
    public async Task Metrics_are_strictly_valid_text_format_and_cover_every_layer()
    {
        var response = await fixture.Node.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.Empty(StrictExpositionParser.Problems(text));
        foreach (var expected in new[]
        {
            """vm_requests_total{memory="vectors",route="/v1/memories/{name}/classify",status="200"} 5""",
            """vm_requests_total{memory="vectors",route="/v1/memories/{name}/classify",status="422"} 1""",
            """vm_stage_duration_seconds_count{stage="decode"}""", """vm_stage_duration_seconds_count{stage="queue_wait"}""",
            """vm_stage_duration_seconds_count{stage="embed"}""", """vm_stage_duration_seconds_count{stage="shard_search"}""",
            """vm_stage_duration_seconds_count{stage="merge"}""", """vm_stage_duration_seconds_count{stage="aggregate"}""",
            """vm_embedding_batch_size_count""", """vm_embedding_queue_capacity{model="tiny"} 256""",
            """vm_shard_items{memory="vectors",shard="0"}""", """vm_shard_search_duration_seconds_bucket{memory="vectors",shard="1",le="+Inf"}""",
            """vm_unlearning_requests_total{kind="ids",memory="vectors"} 1""",
            """vm_ingest_rows_total{job="1",memory="vectors",outcome="bad"} 1""", """vm_ingest_rows_total{job="1",memory="vectors",outcome="added"} 299""",
            """vm_ingest_job_state{job="1",memory="vectors",state="succeeded"} 1""",
            """vm_cluster_nodes{role="shard_host",state="alive"} 1""",
            "vm_dotnet_process_cpu_time_seconds_total", "vm_dotnet_process_memory_working_set_bytes", "vm_dotnet_thread_pool_queue_length ",
        })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
        // 40 items, 2 unlearned, 299 ingested: the shards' items add up.
        var items = Regex.Matches(text, """^vm_shard_items\{memory="vectors",shard="\d+"\} (\d+)$""", RegexOptions.Multiline).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(40 - 2 + 299, items);
        // promtool's linter (naming conventions) agrees.
        if (File.Exists("/usr/bin/promtool"))
        {
            var lint = Run("/usr/bin/promtool", ["check", "metrics"], text);
            Assert.True(lint.ExitCode == 0, lint.Output);
        }
    }

    [Fact]
    public async Task Every_dashboard_and_alert_expression_returns_data_from_a_real_prometheus()
    {
        Assert.True(PrometheusServer.Binary is not null, "prometheus is not installed (scripts/setup.sh installs the apt package)");
        var work = Directory.CreateTempSubdirectory("vm-prometheus-").FullName;
        try
        {
            using var prometheus = await PrometheusServer.StartAsync(work, [$"127.0.0.1:{fixture.Node.Port.ToString(CultureInfo.InvariantCulture)}"],
                [Path.Combine(Deploy, "prometheus", "alerts.yml")]);
            // rate() needs two samples in its window: wait for four scrapes.
            await WaitAsync(prometheus, """count_over_time(up{job="visualmemory"}[1m]) >= 4 and up{job="visualmemory"} == 1""", TimeSpan.FromSeconds(60));

            var checkedExpressions = new List<string>();
            var empty = new List<string>();
            foreach (var (source, expression) in DashboardExpressions())
            {
                var result = await prometheus.QueryAsync(expression);
                checkedExpressions.Add(expression);
                if (Empty(result))
                {
                    empty.Add($"{source}: {expression}");
                }
            }
            var rules = (await prometheus.GetAsync("/api/v1/rules"))["groups"]!.AsArray()
                .SelectMany(g => g!["rules"]!.AsArray()).Select(r => ((string)r!["name"]!, (string)r["query"]!)).ToList();
            Assert.Equal(11, rules.Count);
            foreach (var (name, query) in rules)
            {
                await prometheus.QueryAsync(query);
                var match = Threshold().Match(query);
                Assert.True(match.Success, $"alert {name}: expected 'expression <comparison> <threshold>', got {query}");
                var lhs = match.Groups["lhs"].Value;
                checkedExpressions.Add(lhs);
                if (Empty(await prometheus.QueryAsync(lhs)))
                {
                    empty.Add($"alerts.yml {name}: {lhs}");
                }
            }
            Assert.True(empty.Count == 0, "expressions without data:\n" + string.Join('\n', empty));
            Assert.True(checkedExpressions.Count >= 40, $"only {checkedExpressions.Count} expressions found");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static IEnumerable<(string Source, string Expression)> DashboardExpressions()
    {
        var files = Directory.GetFiles(Path.Combine(Deploy, "grafana"), "*.json");
        Assert.Equal(4, files.Length);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var dashboard = JsonNode.Parse(File.ReadAllText(file))!;
            var expressions = Targets(dashboard).ToList();
            Assert.NotEmpty(expressions);
            foreach (var expression in expressions)
            {
                yield return (Path.GetFileName(file), Substitute(expression));
            }
        }
    }

    // Every targets[].expr anywhere in the dashboard model (panels, rows' nested panels).
    private static IEnumerable<string> Targets(JsonNode? node) => node switch
    {
        JsonObject o => (o["targets"] is JsonArray targets ? targets.Select(t => (string?)t?["expr"]).OfType<string>() : [])
            .Concat(o.Where(p => p.Key != "targets").SelectMany(p => Targets(p.Value))),
        JsonArray a => a.SelectMany(Targets),
        _ => [],
    };

    private static string Substitute(string expression) => expression
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$memory", ".*", StringComparison.Ordinal)
        .Replace("$instance", ".*", StringComparison.Ordinal);

    private static bool Empty(JsonNode data) => data["resultType"]?.ToString() switch
    {
        "vector" or "matrix" => data["result"]!.AsArray().Count == 0,
        _ => false,
    };

    private static async Task WaitAsync(PrometheusServer prometheus, string condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Empty(await prometheus.QueryAsync(condition)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not true within {timeout}: {condition}\n{prometheus.Output}");
            await Task.Delay(500);
        }
    }

    private static (int ExitCode, string Output) Run(string file, IEnumerable<string> arguments, string input)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}
