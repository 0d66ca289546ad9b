using System.Text.RegularExpressions;
using VisualMemory.ControlPlane;
using YamlDotNet.RepresentationModel;

namespace VisualMemory.Deploy.Tests;

/// <summary>
/// The Helm chart without Helm: its YAML files parse, every <c>.Values</c> path a template reads exists in
/// values.yaml, every setting it passes is one the server binds, and the secret keys and roles it uses exist.
/// </summary>
public sealed partial class ChartTests
{
    private const string Chart = "helm/visual-memory";

    private static IEnumerable<string> Templates => Directory.EnumerateFiles(RepositoryFiles.PathOf($"{Chart}/templates"));

    // Template actions replaced by a plain word, so a name built from one (Embedding__Models__{{ $name }}__Path) reads as a name.
    private static string WithoutActions(string text) => ActionPattern().Replace(text, "x");

    private static YamlMappingNode Load(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(RepositoryFiles.Read(relative));
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    [Fact]
    public void Chart_and_values_parse_and_name_the_chart()
    {
        var chart = Load($"{Chart}/Chart.yaml");
        Assert.Equal("v2", chart["apiVersion"].ToString());
        Assert.Equal("visual-memory", chart["name"].ToString());
        Assert.False(string.IsNullOrWhiteSpace(chart["version"].ToString()));
        foreach (var values in Directory.EnumerateFiles(RepositoryFiles.PathOf(Chart), "values*.yaml"))
        {
            Assert.NotEmpty(Load(Path.GetRelativePath(RepositoryFiles.Root, values)).Children);
        }
        foreach (var name in new[] { "_helpers.tpl", "shardhost-statefulset.yaml", "coordinator-deployment.yaml", "embedding-worker-deployment.yaml",
            "services.yaml", "configmap.yaml", "secret.yaml", "servicemonitor.yaml", "pdb.yaml" })
        {
            Assert.True(File.Exists(RepositoryFiles.PathOf($"{Chart}/templates/{name}")), name);
        }
    }

    [Fact]
    public void Every_values_path_a_template_reads_exists_in_values_yaml()
    {
        var values = Load($"{Chart}/values.yaml");
        var missing = new List<string>();
        var seen = 0;
        foreach (var template in Templates)
        {
            foreach (Match match in ValuesPathPattern().Matches(File.ReadAllText(template)))
            {
                seen++;
                YamlNode node = values;
                foreach (var key in match.Groups[1].Value.Split('.', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var child))
                    {
                        missing.Add($"{Path.GetFileName(template)}: .Values{match.Groups[1].Value}");
                        break;
                    }
                    node = child;
                }
            }
        }
        Assert.True(seen > 50, $"only {seen} .Values references found: is the pattern right?");
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_setting_the_chart_and_images_pass_is_one_the_server_binds()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var template in Templates)
        {
            var text = WithoutActions(File.ReadAllText(template));
            // env entries (- name: X) that are settings, and the ConfigMap's keys (envFrom).
            foreach (Match match in EnvNamePattern().Matches(text))
            {
                names.Add(match.Groups[1].Value);
            }
            if (Path.GetFileName(template) == "configmap.yaml")
            {
                foreach (Match match in ConfigMapKeyPattern().Matches(text))
                {
                    names.Add(match.Groups[1].Value);
                }
            }
        }
        foreach (var dockerfile in new[] { "deploy/docker/Dockerfile", "deploy/docker/Dockerfile.cuda" })
        {
            foreach (Match match in DockerEnvPattern().Matches(RepositoryFiles.Read(dockerfile)))
            {
                if (match.Groups[1].Value.Contains("__", StringComparison.Ordinal) || match.Groups[1].Value is "DataDir" or "ASPNETCORE_URLS")
                {
                    names.Add(match.Groups[1].Value);
                }
            }
        }
        foreach (var expected in new[] { "Cluster__Database", "Cluster__InternalUrl", "Cluster__Roles", "Cluster__NodeName", "Storage__Kind",
            "Storage__S3__AccessKey", "Storage__S3__SecretKey", "Storage__S3__ServiceUrl", "Security__ClusterSecret", "Security__ApiKeys__0__Key",
            "Telemetry__OtlpEndpoint", "Embedding__Models__x__Path", "Embedding__Onnx__ExecutionProvider", "DataDir" })
        {
            Assert.Contains(expected, names);
        }
        Assert.Empty(names.Select(SettingsNames.Check).OfType<string>());
    }

    [Fact]
    public void Roles_parse_and_secret_references_name_keys_the_chart_creates()
    {
        var helpers = RepositoryFiles.Read($"{Chart}/templates/_helpers.tpl");
        var roles = Templates.SelectMany(t => RolesPattern().Matches(File.ReadAllText(t))).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["Coordinator", "EmbeddingWorker", "ShardHost"], roles.Distinct().Order(StringComparer.Ordinal));
        Assert.All(roles, role => Assert.True(Enum.TryParse<NodeRoles>(role, out _), role));

        var secret = RepositoryFiles.Read($"{Chart}/templates/secret.yaml");
        var created = SecretKeyPattern().Matches(secret).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var referenced = SecretRefPattern().Matches(helpers).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(referenced);
        Assert.All(referenced, key => Assert.Contains(key, created));
        // Documented in values.yaml for an existing Secret.
        Assert.All(referenced, key => Assert.Contains(key, RepositoryFiles.Read($"{Chart}/values.yaml"), StringComparison.Ordinal));
    }

    [Fact]
    public void Workers_request_gpus_and_shard_hosts_keep_their_data_on_claims()
    {
        var worker = RepositoryFiles.Read($"{Chart}/templates/embedding-worker-deployment.yaml");
        Assert.Equal(2, Regex.Count(worker, @"nvidia\.com/gpu: \{\{ \.Values\.embeddingWorker\.gpus \}\}"));
        var statefulSet = RepositoryFiles.Read($"{Chart}/templates/shardhost-statefulset.yaml");
        Assert.Contains("kind: StatefulSet", statefulSet, StringComparison.Ordinal);
        Assert.Contains("volumeClaimTemplates:", statefulSet, StringComparison.Ordinal);
        Assert.Contains("mountPath: /data", statefulSet, StringComparison.Ordinal);
        Assert.Contains("clusterIP: None", RepositoryFiles.Read($"{Chart}/templates/services.yaml"), StringComparison.Ordinal);
        Assert.Contains("apiVersion: monitoring.coreos.com/v1", RepositoryFiles.Read($"{Chart}/templates/servicemonitor.yaml"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{\{-?.*?-?\}\}", RegexOptions.Singleline)]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesPathPattern();

    [GeneratedRegex(@"-\s+name:\s+""?([A-Za-z][A-Za-z0-9_]*__[A-Za-z0-9_]+|DataDir|ASPNETCORE_URLS)""?\s*$", RegexOptions.Multiline)]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex(@"^\s+([A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+):", RegexOptions.Multiline)]
    private static partial Regex ConfigMapKeyPattern();

    [GeneratedRegex(@"(?:ENV\s+|\\\s*\n\s*)([A-Za-z_][A-Za-z0-9_]*)=", RegexOptions.Multiline)]
    private static partial Regex DockerEnvPattern();

    [GeneratedRegex(@"""roles"" ""([A-Za-z]+)""")]
    private static partial Regex RolesPattern();

    [GeneratedRegex(@"^\s+([A-Za-z0-9]+): \{\{", RegexOptions.Multiline)]
    private static partial Regex SecretKeyPattern();

    [GeneratedRegex(@"secretKeyRef:\s*\n\s*name: .*\n\s*key: ([A-Za-z0-9]+)")]
    private static partial Regex SecretRefPattern();
}
