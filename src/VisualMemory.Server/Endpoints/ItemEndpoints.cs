using System.Globalization;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Core.Validation;
using VisualMemory.Engine;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Contracts;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;
using Microsoft.Extensions.Options;

namespace VisualMemory.Server.Endpoints;

/// <summary>Routes that add, look up and delete items.</summary>
internal static class ItemEndpoints
{
    public static void MapItemEndpoints(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/v1/memories/{name}/items").WithTags("Items");
        items.MapPost("/", Add).WithSummary("Add or replace items.");
        items.MapGet("/{id}", (string name, string id, MemoryCatalog catalog) =>
            WithItem(name, id, catalog, (memory, itemId) =>
                memory.TryGetItem(itemId, out var item)
                    ? Results.Ok(new ItemInfo(itemId, memory.Labels[item.Label], memory.SourceName(item), item.Reliability, item.Pruned))
                    : Problems.UnknownItem(name, itemId)))
            .WithSummary("Look up an item's label, source and pruning state.").AddEndpointFilter(new WholeMemoryOnly("an item lookup"));
        items.MapDelete("/{id}", async (string name, string id, MemoryCatalog catalog, ClusterView view, ClusterWriter writer, IOptions<ClusterSettings> cluster, CancellationToken cancellationToken) =>
        {
            if (catalog.Find(name) is null && await RemoteSearch.FindAsync(name, catalog, view, cluster.Value, cancellationToken).ConfigureAwait(false) is { } remote)
            {
                if (!long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var remoteId))
                {
                    return Problems.Invalid("id", $"'{id}' is not a 64-bit integer", StatusCodes.Status400BadRequest);
                }
                var outcomes = await writer.WriteAsync(ClusterWriter.SplitIds(name, remote.Definition.Shards, WriteKind.UnlearnIds, [remoteId]), cancellationToken).ConfigureAwait(false);
                return ClusterWrites.Failed(name, outcomes) ?? (ClusterWrites.Deleted(outcomes).Length > 0 ? Results.NoContent() : Problems.UnknownItem(name, remoteId));
            }
            return WithItem(name, id, catalog, (memory, itemId) =>
                memory.Unlearn(UnlearningKind.Ids, null, [itemId]).Deleted > 0 ? Results.NoContent() : Problems.UnknownItem(name, itemId));
        })
            .WithSummary("Delete (unlearn) an item; no later search returns it. Recorded in the unlearning audit log.");
    }

    // Items from images: multipart with one 'image' part per item and, in the same order, one 'id', 'label'
    // and (optionally) 'source' field per item; or a raw image body with them in the query string. The images
    // are embedded with the memory's model; the usual item checks follow.
    private static async Task<(AddItemsRequest? Input, IResult? Problem)> ReadImageItemsAsync(HttpRequest request, QueryBody queryBody, MemoryDefinition memory,
        int maxImages, CancellationToken cancellationToken)
    {
        var (body, vectors, problem) = await queryBody.EmbedImagesAsync(request, memory, maxImages, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return (null, problem);
        }
        var count = vectors!.Length;
        var ids = body.Values.GetValueOrDefault("id") ?? [];
        var labels = body.Values.GetValueOrDefault("label") ?? [];
        var sources = body.Values.GetValueOrDefault("source");
        var problems = new List<FieldProblem>();
        foreach (var (field, values) in new[] { ("id", ids), ("label", labels), ("source", sources ?? new string[count]) })
        {
            if (values.Length != count)
            {
                problems.Add(new(field, $"{values.Length} values for {count} images; send one per image, in the images' order"));
            }
        }
        if (problems.Count > 0)
        {
            return (null, Problems.Invalid(problems));
        }
        var items = new ItemInput?[count];
        for (var i = 0; i < count; i++)
        {
            long? id = long.TryParse(ids[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            if (id is null)
            {
                return (null, Problems.Invalid(count == 1 ? "id" : $"id[{i}]", $"'{ids[i]}' is not a 64-bit integer"));
            }
            items[i] = new ItemInput(id, labels[i], vectors[i], sources?[i]);
        }
        return (new AddItemsRequest(items), null);
    }

    private static IResult WithItem(string name, string id, MemoryCatalog catalog, Func<LocalMemory, long, IResult> action)
    {
        if (catalog.Find(name) is not { } memory)
        {
            return Problems.UnknownMemory(name);
        }
        return long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var itemId)
            ? action(memory, itemId)
            : Problems.Invalid("id", $"'{id}' is not a 64-bit integer", StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> Add(string name, HttpRequest request, JsonBody body, QueryBody queryBody, MemoryCatalog catalog, IOptions<ApiSettings> settings, IOptions<EmbeddingSettings> embeddingSettings,
        ClusterView view, ClusterWriter writer, IOptions<ClusterSettings> cluster, CancellationToken cancellationToken)
    {
        var memory = catalog.Find(name);
        var remote = memory is null ? await RemoteSearch.FindAsync(name, catalog, view, cluster.Value, cancellationToken).ConfigureAwait(false) : null;
        if (memory is null && remote is null)
        {
            return Problems.UnknownMemory(name);
        }
        var (input, problem) = ImageBody.IsImage(request)
            ? await ReadImageItemsAsync(request, queryBody, memory?.Definition ?? remote!.Definition, Math.Min(embeddingSettings.Value.MaxImagesPerRequest, settings.Value.MaxItemsPerRequest), cancellationToken).ConfigureAwait(false)
            : await body.ReadAsync<AddItemsRequest>(request).ConfigureAwait(false);
        if (input is null)
        {
            return problem!;
        }
        var limits = settings.Value;
        if (input.Items is null || input.Items.Count == 0)
        {
            return Problems.Invalid("items", "must be a non-empty array");
        }
        if (input.Items.Count > limits.MaxItemsPerRequest)
        {
            return Problems.TooLarge("items", $"at most {limits.MaxItemsPerRequest} items per request, got {input.Items.Count}");
        }

        // Every item is checked before anything is written, so a rejected request changes nothing.
        var definition = memory?.Definition ?? remote!.Definition;
        var d = definition.Dimension;
        var problems = new List<FieldProblem>();
        var ids = new long[input.Items.Count];
        var labels = new string[input.Items.Count];
        var sources = new string?[input.Items.Count];
        var vectors = new float[input.Items.Count * d];
        for (var i = 0; i < input.Items.Count; i++)
        {
            var field = $"items[{i}]";
            if (input.Items[i] is not { } item)
            {
                problems.Add(new(field, "must be an object with id, label and vector"));
                continue;
            }
            if (item.Id is null)
            {
                problems.Add(new($"{field}.id", "is required"));
            }
            if (string.IsNullOrWhiteSpace(item.Label) || item.Label.Length > limits.MaxLabelLength)
            {
                problems.Add(new($"{field}.label", $"must be a non-blank string of at most {limits.MaxLabelLength} characters"));
            }
            if (item.Source is not null && (string.IsNullOrWhiteSpace(item.Source) || item.Source.Length > limits.MaxLabelLength))
            {
                problems.Add(new($"{field}.source", $"must be a non-blank string of at most {limits.MaxLabelLength} characters when given"));
            }
            RequestChecks.Vector(item.Vector, d, $"{field}.vector", problems);
            if (problems.Count == 0)
            {
                ids[i] = item.Id!.Value;
                labels[i] = item.Label!;
                sources[i] = item.Source;
                item.Vector.CopyTo(vectors.AsSpan(i * d, d));
            }
            if (problems.Count >= 20)
            {
                break;
            }
        }
        if (problems.Count > 0)
        {
            return Problems.Invalid(problems);
        }
        var anySources = sources.Any(s => s is not null) ? sources : null;
        if (memory is null)
        {
            var outcomes = await writer.WriteAsync(ClusterWriter.SplitUpsert(name, definition.Shards, d, ids, labels, anySources, vectors), cancellationToken).ConfigureAwait(false);
            return ClusterWrites.Failed(name, outcomes) ?? Results.Ok(new AddItemsResponse(ids.Length));
        }
        await memory.UpsertAsync(ids, labels, vectors, anySources).ConfigureAwait(false);
        return Results.Ok(new AddItemsResponse(ids.Length));
    }
}
