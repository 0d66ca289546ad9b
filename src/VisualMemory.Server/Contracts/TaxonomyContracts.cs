namespace VisualMemory.Server.Contracts;

/// <summary>Body of PUT and response of GET /v1/memories/{name}/taxonomy.</summary>
/// <param name="Parents">Child → parent; null parent for top-level nodes. Memory labels should be leaves.</param>
public sealed record TaxonomyDocument(IReadOnlyDictionary<string, string?>? Parents);
