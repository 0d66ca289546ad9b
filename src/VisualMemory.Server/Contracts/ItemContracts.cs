namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/items.</summary>
/// <param name="Items">Items to add; an existing id is replaced. Later duplicates in one request win.</param>
public sealed record AddItemsRequest(IReadOnlyList<ItemInput?>? Items);

/// <summary>One item to add.</summary>
/// <param name="Id">Caller-chosen 64-bit id.</param>
/// <param name="Label">Class label; new labels need no other step.</param>
/// <param name="Vector">Embedding; L2-normalised on the way in.</param>
/// <param name="Source">Optional source tag (dataset, licence) that unlearning can select by.</param>
public sealed record ItemInput(long? Id, string? Label, float[]? Vector, string? Source = null);

/// <summary>Response of POST /v1/memories/{name}/items.</summary>
/// <param name="Added">Items written (new or replaced).</param>
public sealed record AddItemsResponse(int Added);

/// <summary>Response of GET /v1/memories/{name}/items/{id}.</summary>
/// <param name="Id">The item id.</param>
/// <param name="Label">Its label.</param>
/// <param name="Source">Its source tag, if any.</param>
/// <param name="Reliability">Soft-pruning reliability γ from the applied prune (1 when none).</param>
/// <param name="Pruned">True when the applied prune hard-prunes it.</param>
public sealed record ItemInfo(long Id, string Label, string? Source, float Reliability, bool Pruned);
