using System.Text.Json.Serialization;
using VisualMemory.Cluster.Coordination;
using VisualMemory.Cluster.Transport;
using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Server;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Cluster.Replication;
using VisualMemory.Server.Endpoints;
using VisualMemory.Server.Http;
using VisualMemory.Server.Metrics;
using VisualMemory.Server.Security;

var builder = WebApplication.CreateBuilder(args);

// The internal port's mutual TLS (docs/operations.md, Security): an https internal URL without usable certificates stops the node here.
using var internalTls = InternalTls.FromConfiguration(builder.Configuration);
var internalPort = NodeListeners.Configure(builder, internalTls);

builder.Services.Configure<ApiSettings>(builder.Configuration.GetSection("Api"));
var nodeStorage = NodeStorage.FromConfiguration(builder.Configuration);
builder.Services.AddSingleton(nodeStorage);
// Registered as an instance so the container never disposes it: MemoryHostService checkpoints and
// then disposes it at shutdown, and must not find it freed by a concurrent container disposal.
builder.Services.AddSingleton(new MemoryCatalog(
    builder.Configuration.GetSection("Memory").Get<MemorySettings>() ?? new MemorySettings(),
    nodeStorage.OpenMemoryStorage(builder.Configuration)));
builder.Services.AddSingleton<JsonBody>();
builder.Services.Configure<VisualMemory.Server.Embedding.EmbeddingSettings>(builder.Configuration.GetSection("Embedding"));
builder.Services.AddSingleton<VisualMemory.Server.Embedding.EmbeddingModels>();
builder.Services.AddSingleton<VisualMemory.Server.Embedding.ImageEmbedder>();
builder.Services.AddSingleton<VisualMemory.Server.Embedding.LocalEmbedding>();
var embeddingSettings = builder.Configuration.GetSection("Embedding").Get<VisualMemory.Server.Embedding.EmbeddingSettings>() ?? new();
// A mistyped worker URL stops the node at start, not at the first image.
VisualMemory.Server.Embedding.EmbeddingWorkers.ParseStatic(embeddingSettings);
builder.Services.AddSingleton(services => new EmbeddingClient(TimeSpan.FromMilliseconds(embeddingSettings.WorkerTimeoutMilliseconds), services.GetRequiredService<SecuritySettings>().ClusterSecret, internalTls?.ClientOptions()));
builder.Services.AddSingleton<VisualMemory.Server.Embedding.EmbeddingWorkers>();
builder.Services.AddSingleton<VisualMemory.Server.Embedding.EmbeddingService>();
builder.Services.AddSingleton<QueryBody>();
builder.Services.AddSingleton(new VisualMemory.Server.Health.NodeReadiness(TimeProvider.System));
builder.Services.AddHostedService<MemoryHostService>();
// Membership starts after the memories are loaded and stops before they are checkpointed.
var clusterSection = builder.Configuration.GetSection("Cluster");
builder.Services.Configure<ClusterSettings>(clusterSection);
var cluster = clusterSection.Get<ClusterSettings>() ?? new ClusterSettings();
ClusterStartupChecks.Check(builder.Configuration, cluster);
// API keys, the cluster secret, body and rate limits; refuses a node open beyond loopback (docs/operations.md, Security).
var security = builder.AddNodeSecurity(cluster.Distributed);
builder.Services.AddSingleton<IClusterStore>(_ =>
{
    if (!string.IsNullOrWhiteSpace(cluster.Database))
    {
        return new PostgresClusterStore(cluster.Database);
    }
    Directory.CreateDirectory(nodeStorage.DataDirectory);
    return new SqliteClusterStore(Path.Combine(nodeStorage.DataDirectory, "cluster.db"));
});
builder.Services.AddSingleton<IJobStore>(services => (IJobStore)services.GetRequiredService<IClusterStore>());
var identity = NodeListeners.Identity(builder, cluster);
builder.Services.AddSingleton(identity);
builder.AddNodeTracing(identity.Name);
builder.Services.AddHostedService<ClusterMembershipService>();
builder.Services.AddSingleton<ClusterView>();
builder.Services.AddSingleton<ReplicaRegistry>();
builder.Services.AddSingleton(services => new ReplicaStorage(services.GetRequiredService<MemoryCatalog>().Storage!.Objects, nodeStorage.DataDirectory));
// The client's own bound is the longest call (a bulk load); each write is bounded by its kind's timeout (ClusterSettings.WriteTimeout).
builder.Services.AddSingleton(_ => new ReplicationClient(TimeSpan.FromMilliseconds(Math.Max(cluster.ReplicationTimeoutMilliseconds, cluster.BulkWriteTimeoutMilliseconds)), security.ClusterSecret, internalTls?.ClientOptions()));
builder.Services.AddSingleton<PrimaryWriter>();
builder.Services.AddSingleton<ClusterWriter>();
// Replicas load after membership has registered the node, and are checkpointed before it leaves.
builder.Services.AddHostedService<ReplicaHostService>();
// Bulk ingest: a worker on every node claims parts of jobs for the memories it holds.
builder.Services.Configure<VisualMemory.Server.Jobs.IngestSettings>(builder.Configuration.GetSection("Ingest"));
builder.Services.AddSingleton(services => new VisualMemory.Server.Jobs.DatasetFiles(services.GetRequiredService<MemoryCatalog>().Storage!.Objects,
    services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VisualMemory.Server.Jobs.IngestSettings>>()));
builder.Services.AddSingleton<VisualMemory.Server.Jobs.QuantizerTraining>();
builder.Services.AddSingleton<VisualMemory.Server.Jobs.IngestPartRunner>();
builder.Services.AddSingleton<VisualMemory.Server.Jobs.IngestJobs>();
builder.Services.AddHostedService<VisualMemory.Server.Jobs.IngestJobService>();
builder.Services.AddSingleton(_ => new ShardSearchClient(TimeSpan.FromMinutes(1), security.ClusterSecret, internalTls?.ClientOptions()));
// Every fan-out (RemoteMemory.SearchAsync included) is the coalescing one: concurrent searches of a memory share shard requests.
var coalescing = new CoalescingOptions(cluster.CoalesceMaxQueries, TimeSpan.FromMicroseconds(cluster.CoalesceMaxWaitMicroseconds)).Validate();
builder.Services.AddSingleton(services => new CoalescingFanout(services.GetRequiredService<ShardSearchClient>(), TimeSpan.FromMilliseconds(cluster.ShardTimeoutMilliseconds), coalescing));
builder.Services.AddSingleton<ShardFanout>(services => services.GetRequiredService<CoalescingFanout>());
builder.Services.ConfigureHttpJsonOptions(options =>
{
    // "NaN" and "Infinity" as strings parse, so they are refused with a field-level 422 rather
    // than a generic parse error.
    options.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
});
// Metrics: /metrics in the Prometheus text format (docs/operations.md, Monitoring).
builder.Services.AddNodeMetrics();
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseNodeSecurity();
app.MapOpenApi();
app.MapNodeMetrics();
app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
VisualMemory.Server.Health.HealthEndpoints.MapReadinessEndpoint(app);
app.MapMemoryEndpoints();
app.MapItemEndpoints();
app.MapQueryEndpoints();
app.MapPruneEndpoints();
app.MapUnlearningEndpoints();
app.MapTaxonomyEndpoints();
app.MapLinearHeadEndpoints();
app.MapAuditEndpoints();
app.MapClusterEndpoints();
app.MapEmbeddingEndpoints();
app.MapOperatorEndpoints();
app.MapJobEndpoints();
app.MapWebPage();
if (internalPort is { } port)
{
    app.MapInternalShardEndpoints(port);
    app.MapInternalReplicationEndpoints(port);
    if (cluster.Roles.HasFlag(NodeRoles.EmbeddingWorker))
    {
        app.MapInternalEmbeddingEndpoints(port);
    }
}
app.Run();

/// <summary>The server's entry point; public so integration tests can host it in process.</summary>
public partial class Program;
