namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/audit/influence: labelled queries to audit the memory with.</summary>
/// <param name="Vectors">Query embeddings.</param>
/// <param name="Labels">True label of each query.</param>
/// <param name="K">Neighbours that vote; default 10.</param>
/// <param name="Aggregation">Aggregation; default "rank".</param>
/// <param name="Limit">Influential items listed, most influential first; default 100.</param>
public sealed record InfluenceAuditRequest(IReadOnlyList<float[]?>? Vectors, IReadOnlyList<string>? Labels, int? K, string? Aggregation, int? Limit);

/// <summary>An item whose removal changes at least one prediction.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Label">Its label.</param>
/// <param name="ChangedPredictions">Queries whose prediction changes without it.</param>
/// <param name="CorrectToWrong">Of those, correct predictions that would turn wrong.</param>
/// <param name="WrongToCorrect">Of those, wrong predictions that would turn correct.</param>
public sealed record InfluentialItemOutput(long Id, string? Label, int ChangedPredictions, int CorrectToWrong, int WrongToCorrect);

/// <summary>Response of the influence (privacy) audit, research.md §2.</summary>
/// <param name="Queries">Queries audited.</param>
/// <param name="MemorySize">Live items queries can find (hard-pruned items excluded while a hard prune is in force).</param>
/// <param name="NonPrivate">Items whose removal changes at least one prediction.</param>
/// <param name="NonPrivateFraction">NonPrivate / MemorySize.</param>
/// <param name="Influential">The most influential items.</param>
public sealed record InfluenceAuditOutput(int Queries, long MemorySize, int NonPrivate, double NonPrivateFraction, IReadOnlyList<InfluentialItemOutput> Influential);
