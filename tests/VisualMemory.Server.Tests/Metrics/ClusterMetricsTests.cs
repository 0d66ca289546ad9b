using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;

namespace VisualMemory.Server.Tests.Metrics;

/// <summary>
/// Metrics in cluster mode: two real nodes on one PostgreSQL and one s3rver bucket, one replica per shard. The
/// coordinator records the fan-out and the merge of the hosts' answers; each shard host reports its replicas under
/// the cluster's shard numbers; both see two live nodes and every replica Ready.
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed partial class ClusterMetricsTests(PostgresFixture postgres, S3ServerFixture s3) : IClassFixture<PostgresFixture>, IClassFixture<S3ServerFixture>, IDisposable
{
    private const int D = 8;
    private readonly string _root = Directory.CreateTempSubdirectory("vm-cluster-metrics-").FullName;

    [GeneratedRegex("""^vm_shard_items\{memory="m",shard="(\d+)"\} (\d+)$""", RegexOptions.Multiline)]
    private static partial Regex ShardItems();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_coordinator_reports_the_fanout_and_shard_hosts_report_their_replicas_under_cluster_shard_numbers()
    {
        var database = await postgres.CreateDatabaseAsync("metrics_" + Guid.NewGuid().ToString("N")[..8]);
        var prefix = "metrics-" + Guid.NewGuid().ToString("N")[..8] + "/";
        var nodes = new List<ServerProcess>();
        try
        {
            foreach (var name in new[] { "n1", "n2" })
            {
                nodes.Add(await ServerProcess.StartAsync(Path.Combine(_root, name),
                [
                    $"--Cluster:Database={database}", $"--Cluster:NodeName={name}", $"--Cluster:InternalUrl=http://127.0.0.1:{ServerProcess.FreePort()}",
                    "--Cluster:LeaseSeconds=2", "--Cluster:HeartbeatMilliseconds=200",
                    "--Storage:Kind=s3", $"--Storage:S3:ServiceUrl={s3.ServiceUrl}", $"--Storage:S3:Bucket={S3ServerFixture.Bucket}", $"--Storage:S3:Prefix={prefix}",
                    "--Logging:LogLevel:Default=Warning",
                ], TimeSpan.FromSeconds(60)));
            }
            var coordinator = nodes[0].Client;
            Assert.Equal(HttpStatusCode.Created, (await nodes[1].Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "m", dimension = D, shards = 4, replicas = 1 })).StatusCode);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!JsonNode.Parse(await coordinator.GetStringAsync(new Uri("/v1/memories/m", UriKind.Relative)))!["shards"]!.AsArray().All(s => s!["primary"] is not null))
            {
                Assert.True(DateTime.UtcNow < deadline, "shards without a primary");
                await Task.Delay(100);
            }
            var random = new Random(5);
            var items = Enumerable.Range(0, 60).Select(i => new { id = (long)i, label = $"c{i % 3}", vector = Enumerable.Range(0, D).Select(_ => (float)random.NextDouble() - 0.5f).ToArray() }).ToArray();
            Assert.Equal(HttpStatusCode.OK, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/items", UriKind.Relative), new { items })).StatusCode);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await coordinator.PostAsJsonAsync(new Uri("/v1/memories/m/classify", UriKind.Relative), new { vector = items[i].vector, k = 5 })).StatusCode);
            }

            var texts = new List<string>();
            foreach (var node in nodes)
            {
                var text = await node.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                Assert.Empty(StrictExpositionParser.Problems(text));
                Assert.Contains("""vm_cluster_nodes{role="shard_host",state="alive"} 2""", text, StringComparison.Ordinal);
                Assert.Contains("""vm_cluster_replicas{state="ready"} 4""", text, StringComparison.Ordinal);
                Assert.Contains("vm_cluster_shards_unavailable 0", text, StringComparison.Ordinal);
                texts.Add(text);
            }
            Assert.Matches("""vm_stage_duration_seconds_count\{stage="fanout"\} 3\n""", texts[0]);
            Assert.Matches("""vm_requests_total\{memory="m",route="/v1/memories/\{name\}/classify",status="200"\} 3\n""", texts[0]);
            // Each shard is on exactly one node, named by its cluster number; together they hold every item.
            var shards = texts.SelectMany(t => ShardItems().Matches(t)).Select(m => (Shard: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Items: long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
            Assert.Equal([0, 1, 2, 3], shards.Select(s => s.Shard).Order());
            Assert.Equal(60, shards.Sum(s => s.Items));
            var searched = texts.SelectMany(t => Regex.Matches(t, """^vm_shard_search_duration_seconds_count\{memory="m",shard="(\d+)"\}""", RegexOptions.Multiline)).Select(m => m.Groups[1].Value).Order().ToList();
            Assert.Equal(["0", "1", "2", "3"], searched);
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }
    }
}
