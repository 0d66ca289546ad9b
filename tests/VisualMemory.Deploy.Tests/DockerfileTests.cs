using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace VisualMemory.Deploy.Tests;

/// <summary>
/// The Dockerfiles without Docker: every path they COPY from the build context exists in the repository (or is
/// made by an earlier step), the ports and paths agree with the chart, and the runtime runs as a non-root user.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "deploy/docker/Dockerfile", "deploy/docker/Dockerfile.cuda" };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_copied_path_exists_in_the_repository(string dockerfile)
    {
        var copies = 0;
        foreach (var line in Lines(dockerfile).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1];
            foreach (var source in words)
            {
                copies++;
                var path = RepositoryFiles.PathOf(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile}: COPY {source} does not exist");
                Assert.False(Ignored(source), $"{dockerfile}: COPY {source} is excluded by .dockerignore");
            }
        }
        Assert.True(copies >= 6, $"{dockerfile}: only {copies} COPY sources");
        // What the build stage copies out of node_modules is what the ONNX Runtime project links (the npm package's layout).
        foreach (Match match in NodeModulesPathPattern().Matches(RepositoryFiles.Read(dockerfile)))
        {
            var package = match.Groups[1].Value;
            Assert.Contains(package, RepositoryFiles.Read("tools/onnxruntime/package-lock.json"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Ports_user_volume_and_healthcheck_match_the_chart(string dockerfile)
    {
        var text = RepositoryFiles.Read(dockerfile);
        var values = new YamlStream();
        using (var reader = new StringReader(RepositoryFiles.Read("helm/visual-memory/values.yaml")))
        {
            values.Load(reader);
        }
        var ports = (YamlMappingNode)((YamlMappingNode)values.Documents[0].RootNode)["ports"];
        var publicPort = ports["public"].ToString();
        var internalPort = ports["internal"].ToString();
        Assert.Contains($"EXPOSE {publicPort} {internalPort}", text, StringComparison.Ordinal);
        Assert.Contains($"ASPNETCORE_URLS=http://0.0.0.0:{publicPort}", text, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{publicPort}/healthz", text, StringComparison.Ordinal);
        Assert.Contains("DataDir=/data", text, StringComparison.Ordinal);
        Assert.Contains("VOLUME [\"/data\"]", text, StringComparison.Ordinal);
        Assert.Contains("mountPath: /data", RepositoryFiles.Read("helm/visual-memory/templates/shardhost-statefulset.yaml"), StringComparison.Ordinal);
        var user = Lines(dockerfile).Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotEqual("USER root", user);
        Assert.Contains("runAsUser: 10001", RepositoryFiles.Read("helm/visual-memory/values.yaml"), StringComparison.Ordinal);
        Assert.Contains("--uid 10001", text, StringComparison.Ordinal);
        // Built on Debian 12, whose static libfaiss the shim links (scripts/setup.sh installs the same packages).
        Assert.Contains("FROM debian:bookworm-slim AS build", text, StringComparison.Ordinal);
        foreach (var package in new[] { "libfaiss-dev", "libopenblas-dev", "cmake" })
        {
            Assert.Contains(package, RepositoryFiles.Read("scripts/setup.sh"), StringComparison.Ordinal);
            Assert.Contains(package, text, StringComparison.Ordinal);
        }
        // The chart's demo model paths are where the image puts the model.
        Assert.Contains("COPY models/demo/ /models/demo/", text, StringComparison.Ordinal);
        foreach (var file in new[] { "demo-model.onnx", "demo-model.spec.json" })
        {
            Assert.True(File.Exists(RepositoryFiles.PathOf($"models/demo/{file}")));
            Assert.Contains($"/models/demo/{file}", RepositoryFiles.Read("helm/visual-memory/values.yaml"), StringComparison.Ordinal);
        }
    }

    // Joined continuation lines, comments dropped.
    private static List<string> Lines(string dockerfile) =>
        [.. RepositoryFiles.Read(dockerfile).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    private static bool Ignored(string source)
    {
        var patterns = File.ReadAllLines(RepositoryFiles.PathOf("deploy/docker/.dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
        var path = source.TrimEnd('/') + "/";
        return patterns.Any(p => !p.StartsWith("**", StringComparison.Ordinal) && path.StartsWith(p, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"node_modules/([a-z0-9.\-]+)/Plugins")]
    private static partial Regex NodeModulesPathPattern();
}
