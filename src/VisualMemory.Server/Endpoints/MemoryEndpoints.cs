using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Faiss;
using Microsoft.Extensions.Options;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Cluster.Replication;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Endpoints;

/// <summary>Routes that create, describe, seal and drop memories.</summary>
internal static class MemoryEndpoints
{
    public static void MapMemoryEndpoints(this IEndpointRouteBuilder app)
    {
        var memories = app.MapGroup("/v1/memories").WithTags("Memories");
        memories.MapPost("/", Create).WithSummary("Create a memory (cosine metric).");
        memories.MapGet("/", async (MemoryCatalog catalog, ClusterView view, IOptions<ClusterSettings> cluster, CancellationToken cancellationToken) =>
        {
            var local = catalog.Names.Select(catalog.Find).OfType<LocalMemory>().Select(Describe).ToList();
            if (!cluster.Value.Distributed)
            {
                return Results.Ok(new MemoryList(local));
            }
            var snapshot = await view.GetAsync(TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds), cancellationToken).ConfigureAwait(false);
            return Results.Ok(new MemoryList(local, [.. snapshot.Memories.Where(m => catalog.Find(m.Name) is null).Select(m => DescribeDistributed(m, snapshot))]));
        }).WithSummary("List memories: those this node holds whole, and (cluster mode) those spread over the cluster.");
        memories.MapGet("/{name}", async (string name, MemoryCatalog catalog, ClusterView view, IOptions<ClusterSettings> cluster, CancellationToken cancellationToken) =>
        {
            if (catalog.Find(name) is { } memory)
            {
                return Results.Ok(Describe(memory));
            }
            if (catalog.RefusedReason(name) is { } reason)
            {
                return Problems.Damaged(name, reason);
            }
            if (cluster.Value.Distributed && await RemoteSearch.FindAsync(name, catalog, view, cluster.Value, cancellationToken).ConfigureAwait(false) is not null)
            {
                var snapshot = view.Current;
                return Results.Ok(DescribeDistributed(snapshot.Memory(name)!, snapshot));
            }
            return Problems.UnknownMemory(name);
        }).WithSummary("Describe a memory (503 when it is stored but failed verification at start); a distributed one with its shards' placement.");
        memories.MapDelete("/{name}", async (string name, MemoryCatalog catalog, IClusterStore cluster, ClusterView view, ReplicaStorage replicas, CancellationToken cancellationToken) =>
        {
            if (catalog.Drop(name))
            {
                await cluster.DropMemoryAsync(name, cancellationToken).ConfigureAwait(false);
                return Results.NoContent();
            }
            if (!await cluster.DropMemoryAsync(name, cancellationToken).ConfigureAwait(false))
            {
                return Problems.UnknownMemory(name);
            }
            // Hosts close their replicas at their next heartbeat and delete their copies; copies of nodes
            // that are gone are deleted here.
            await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
            foreach (var item in await replicas.Objects.ListAsync($"replicas/{name}/", cancellationToken).ConfigureAwait(false))
            {
                await replicas.Objects.DeleteAsync(item.Key, cancellationToken).ConfigureAwait(false);
            }
            return Results.NoContent();
        }).WithSummary("Drop a memory and everything in it (its objects, logs and replica placement).");
        memories.MapGet("/{name}/labels", (string name, MemoryCatalog catalog) =>
            catalog.Find(name) is { } memory ? Results.Ok(new LabelList(memory.Labels.ToList())) : Problems.UnknownMemory(name))
            .WithSummary("The memory's label vocabulary.").AddEndpointFilter(new WholeMemoryOnly("the label list"));
        memories.MapPost("/{name}/seal", Seal).AddEndpointFilter(new WholeMemoryOnly("an explicit seal (replicas checkpoint by themselves)")).WithSummary("Train the quantizer if needed and seal every growing segment now.");
        memories.MapPost("/{name}/retrain", Retrain).AddEndpointFilter(new WholeMemoryOnly("retraining")).WithSummary("Train a new quantizer on the stored items and re-encode every sealed segment with it.");
    }

    /// <summary>The API view of a memory.</summary>
    public static MemoryInfo Describe(LocalMemory memory)
    {
        var d = memory.Definition;
        var storage = memory.StorageStats();
        return new MemoryInfo(d.Name, d.Dimension, d.Index, "cosine", memory.Count, d.Shards, d.NProbe,
            memory.Labels.Count, memory.IsTrained, memory.LastSealError,
            [.. memory.ShardStats().Select(s => new ShardInfo(s.Shard, s.Items, s.SealedSegments, s.SealedItems, s.GrowingItems, s.Tombstones, s.StoredSegments, s.LogRecords))],
            new StorageInfo(storage.Durable, storage.RamBytes, storage.StoredSegmentBytes, storage.StoredSegments, storage.LogRecords, storage.LogBytes, storage.PendingForgets),
            d.Model is { } model ? new ModelInfo(model.Name, model.Sha256) : null);
    }

    /// <summary>The API view of a distributed memory, from the control plane.</summary>
    public static DistributedMemoryInfo DescribeDistributed(MemoryRecord record, ClusterSnapshot snapshot)
    {
        var d = snapshot.Definition(record.Name)!;
        return new DistributedMemoryInfo(d.Name, d.Dimension, d.Index, "cosine", d.Shards, d.NProbe, record.ReplicationFactor,
            [.. Enumerable.Range(0, d.Shards).Select(s => new ShardPlacementInfo(s, snapshot.Shard(d.Name, s)?.PrimaryNode, snapshot.Shard(d.Name, s)?.PrimaryTerm ?? 0,
                [.. snapshot.Replicas(d.Name, s).OrderBy(a => a.Node, StringComparer.Ordinal).Select(a => new ReplicaStateInfo(a.Node, a.State.ToString().ToLowerInvariant()))],
                snapshot.Shard(d.Name, s)?.StoredBytes ?? 0))]);
    }

    /// <summary>Most replicas a shard may ask for.</summary>
    public const int MaxReplicas = 16;

    private static async Task<IResult> Create(HttpRequest request, JsonBody body, MemoryCatalog catalog, IClusterStore cluster, ClusterView view,
        IOptions<ClusterSettings> clusterSettings, EmbeddingService embedding, CancellationToken cancellationToken)
    {
        var (input, problem) = await body.ReadAsync<CreateMemoryRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var missing = new List<Core.Validation.FieldProblem>();
        ModelIdentity? model = null;
        if (input.Model is not null)
        {
            try
            {
                model = await embedding.DescribeAsync(input.Model, cancellationToken).ConfigureAwait(false);
            }
            catch (EmbeddingUnavailableException e) when (e.Status == StatusCodes.Status404NotFound)
            {
                return Problems.Invalid("model", e.Message);
            }
            catch (EmbeddingUnavailableException e)
            {
                // The model exists but cannot answer now (failed to load, workers busy or unreachable): retrying may work.
                return EmbeddingProblems.From(e)!;
            }
            if (input.Dimension is { } asked && asked != model.Dimension)
            {
                missing.Add(new("dimension", $"model '{input.Model}' outputs {model.Dimension} dimensions, not {asked}; leave dimension out to take the model's"));
            }
        }
        if (input.Name is null)
        {
            missing.Add(new("name", "is required"));
        }
        if (input.Dimension is null && model is null)
        {
            missing.Add(new("dimension", "is required (or name a model to take its dimension)"));
        }
        if (missing.Count > 0)
        {
            return Problems.Invalid(missing);
        }
        var definition = new MemoryDefinition(
            input.Name!, input.Dimension ?? model!.Dimension, input.Index ?? "Flat",
            input.Shards ?? catalog.Settings.DefaultShards, input.Nprobe ?? catalog.Settings.DefaultNProbe, input.Center, model?.Reference);
        var replicas = input.Replicas ?? 1;
        var definitionProblems = definition.Problems().ToList();
        if (replicas is < 1 or > MaxReplicas)
        {
            definitionProblems.Add(new("replicas", $"must be between 1 and {MaxReplicas}"));
        }
        if (definitionProblems.Count > 0)
        {
            return Problems.Invalid(definitionProblems);
        }
        if (clusterSettings.Value.Distributed)
        {
            // Cluster mode: the memory exists once recorded; the controller places its shards' replicas and
            // the shard hosts create them (empty), so it takes writes once each shard has a primary.
            if (catalog.Find(definition.Name) is not null || catalog.RefusedReason(definition.Name) is not null
                || !await cluster.CreateMemoryAsync(definition.Name, MemoryDefinitionJson.ToJson(definition), definition.Shards, replicas, cancellationToken).ConfigureAwait(false))
            {
                return Problems.Conflict("Memory exists.", $"a memory named '{definition.Name}' already exists in the cluster");
            }
            var snapshot = await view.RefreshAsync(cancellationToken).ConfigureAwait(false);
            return Results.Created($"/v1/memories/{definition.Name}", DescribeDistributed(snapshot.Memory(definition.Name)!, snapshot));
        }
        if (!clusterSettings.Value.Roles.HasFlag(NodeRoles.ShardHost))
        {
            // An embedded node holds its memories itself, which is what the ShardHost role stands for.
            return Problems.Conflict("This node holds no memories.",
                $"this node's roles are {clusterSettings.Value.Roles}; create memories on a node with the ShardHost role");
        }
        // The control plane decides whether the name is free cluster-wide; then this node creates it.
        if (catalog.Find(definition.Name) is null && catalog.RefusedReason(definition.Name) is null
            && !await cluster.CreateMemoryAsync(definition.Name, MemoryDefinitionJson.ToJson(definition), definition.Shards, replicas, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Conflict("Memory exists.", $"a memory named '{definition.Name}' already exists in the cluster");
        }
        var (problems, created) = catalog.Create(definition);
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        return created is null
            ? Problems.Conflict("Memory exists.", catalog.RefusedReason(definition.Name) is { } reason
                ? $"a memory named '{definition.Name}' is stored but was not loaded because it is damaged ({reason}); repair or remove it first"
                : $"a memory named '{definition.Name}' already exists")
            : Results.Created($"/v1/memories/{definition.Name}", Describe(created));
    }

    private static IResult Seal(string name, MemoryCatalog catalog)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        try
        {
            var rows = memory.Seal();
            return Results.Ok(new SealResponse(rows, Describe(memory)));
        }
        catch (FaissException e)
        {
            // Typically too few vectors to train the index's centroids: the caller can add more and retry.
            return Problems.Conflict("The memory cannot be sealed yet.", $"FAISS: {e.Message}");
        }
    }

    private static async Task<IResult> Retrain(string name, MemoryCatalog catalog, CancellationToken cancellationToken)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        try
        {
            var rows = await memory.RetrainAsync(cancellationToken).ConfigureAwait(false);
            return Results.Ok(new RetrainResponse(rows, Describe(memory)));
        }
        catch (FaissException e)
        {
            return Problems.Conflict("The memory cannot be retrained.", $"FAISS: {e.Message}");
        }
    }
}
