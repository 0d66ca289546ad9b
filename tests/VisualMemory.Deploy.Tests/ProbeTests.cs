using System.Net;
using System.Text.Json.Nodes;
using VisualMemory.TestSupport;
using YamlDotNet.RepresentationModel;

namespace VisualMemory.Deploy.Tests;

/// <summary>
/// The probes on a real node process: <c>/healthz</c> and <c>/readyz</c> answer 200 on a healthy node, at the
/// paths the chart's probes and the images' HEALTHCHECK use; <c>/readyz</c> answers 503 saying which check
/// fails when a configured embedding model cannot be loaded, while <c>/healthz</c> stays 200 (restarting would not help).
/// </summary>
public sealed class ProbeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-probes-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task The_probe_paths_the_chart_and_images_use_answer_200_on_a_healthy_node()
    {
        var values = new YamlStream();
        using (var reader = new StringReader(RepositoryFiles.Read("helm/visual-memory/values.yaml")))
        {
            values.Load(reader);
        }
        var probes = (YamlMappingNode)((YamlMappingNode)values.Documents[0].RootNode)["probes"];
        var paths = new[] { "liveness", "readiness" }.Select(p => ((YamlMappingNode)probes[p])["path"].ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var dockerfile in new[] { "deploy/docker/Dockerfile", "deploy/docker/Dockerfile.cuda" })
        {
            var healthcheck = RepositoryFiles.Read(dockerfile).Split('\n').Single(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal));
            paths.Add(new Uri(healthcheck.Split(' ').Single(w => w.StartsWith("http://", StringComparison.Ordinal))).AbsolutePath);
        }
        Assert.Equal(["/healthz", "/readyz"], paths.Order(StringComparer.Ordinal));

        // The demo model, as the images configure it: configured and loadable counts as ready.
        var model = RepositoryFiles.PathOf("models/demo/demo-model.onnx");
        using var node = await ServerProcess.StartAsync(Path.Combine(_root, "ok"),
            ["--Embedding:Models:demo:Path", model, "--Embedding:Models:demo:Spec", RepositoryFiles.PathOf("models/demo/demo-model.spec.json"),
             "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));
        foreach (var path in paths)
        {
            using var response = await node.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var ready = JsonNode.Parse(await node.Client.GetStringAsync(new Uri("/readyz", UriKind.Relative)))!;
        Assert.Equal("ready", (string?)ready["status"]);
        Assert.Empty(ready["failing"]!.AsArray());
        Assert.Equal("ok", (string?)ready["checks"]!["memories"]);
        Assert.Equal("ok", (string?)ready["checks"]!["controlPlane"]);
        Assert.Equal("ok", (string?)ready["checks"]!["models"]);
    }

    [Fact]
    public async Task Readyz_is_503_naming_a_model_that_cannot_load_while_healthz_stays_200()
    {
        var missing = Path.Combine(_root, "no-such-model.onnx");
        using var node = await ServerProcess.StartAsync(Path.Combine(_root, "bad"),
            ["--Embedding:Models:gone:Path", missing, "--Embedding:Models:gone:Spec", RepositoryFiles.PathOf("models/demo/demo-model.spec.json"), "--Logging:LogLevel:Default=Warning"],
            TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        using var response = await node.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, body);
        var ready = JsonNode.Parse(body)!;
        Assert.Equal("not ready", (string?)ready["status"]);
        Assert.Equal(["models"], ready["failing"]!.AsArray().Select(n => (string)n!));
        Assert.Contains("gone", (string?)ready["checks"]!["models"], StringComparison.Ordinal);
        Assert.Contains(missing, (string?)ready["checks"]!["models"], StringComparison.Ordinal);
        Assert.Equal("ok", (string?)ready["checks"]!["memories"]);

        // The model file appears (a volume mounted late): ready without a restart.
        File.Copy(RepositoryFiles.PathOf("models/demo/demo-model.onnx"), missing);
        Assert.Equal(HttpStatusCode.OK, (await node.Client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
    }
}
