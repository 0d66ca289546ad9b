namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/search.</summary>
/// <param name="Vector">Query embedding.</param>
/// <param name="K">Neighbours to return, 1..1000; default 10.</param>
/// <param name="Nprobe">IVF lists to probe; default the memory's.</param>
public sealed record SearchRequest(float[]? Vector, int? K, int? Nprobe);

/// <summary>Body of POST /v1/memories/{name}/search/batch: many queries in one call.</summary>
/// <param name="Vectors">Query embeddings, at most 1024.</param>
/// <param name="K">Neighbours per query, 1..1000; default 10.</param>
/// <param name="Nprobe">IVF lists to probe; default the memory's.</param>
public sealed record BatchSearchRequest(IReadOnlyList<float[]?>? Vectors, int? K, int? Nprobe);

/// <summary>A retrieved item.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Label">Item label.</param>
/// <param name="Similarity">Cosine similarity to the query.</param>
public sealed record NeighborOutput(long Id, string Label, float Similarity);

/// <summary>Response of a search: nearest first.</summary>
/// <param name="Neighbors">The neighbours.</param>
/// <param name="MissingShards">
/// Answered by a coordinator for a memory held on other nodes: shards none of whose replicas answered
/// (their items are absent). Omitted when every shard answered.
/// </param>
public sealed record SearchResponse(
    IReadOnlyList<NeighborOutput> Neighbors,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? MissingShards = null);

/// <summary>Response of a batch search, one entry per query in request order.</summary>
/// <param name="Results">Per-query neighbours.</param>
/// <param name="MissingShards">As in <see cref="SearchResponse"/>; omitted when every shard answered.</param>
public sealed record BatchSearchResponse(
    IReadOnlyList<SearchResponse> Results,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? MissingShards = null);

/// <summary>Body of POST /v1/memories/{name}/classify.</summary>
/// <param name="Vector">Query embedding.</param>
/// <param name="K">Neighbours that vote, 1..1000; default 10.</param>
/// <param name="Aggregation">"plurality", "distance", "softmax" or "rank" (default).</param>
/// <param name="Explain">Return the neighbours with their weights.</param>
/// <param name="Tau">Softmax temperature; default 0.07.</param>
/// <param name="Alpha">Rank-voting offset; default 2.</param>
/// <param name="Nprobe">IVF lists to probe; default the memory's.</param>
/// <param name="Pruning">"none", "hard" or "soft"; default the applied prune's mode (none when nothing is applied).</param>
/// <param name="Residual">Also classify the query minus its nearest neighbour's feature.</param>
/// <param name="Hierarchy">"ks" (KS-test descent) or "votes" (descendant votes): predict at every taxonomy level.</param>
/// <param name="Lambda">JOINT-INF: P = λ·P_kNN + (1 − λ)·P_linear with the memory's linear head; λ in [0, 1].</param>
public sealed record ClassifyRequest(
    float[]? Vector, int? K, string? Aggregation, bool? Explain, double? Tau, double? Alpha, int? Nprobe,
    string? Pruning = null, bool? Residual = null, string? Hierarchy = null, double? Lambda = null);

/// <summary>A neighbour with its vote weight, reliability and source.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Label">Item label.</param>
/// <param name="Similarity">Cosine similarity to the query.</param>
/// <param name="Weight">The weight its vote carried (reliability included).</param>
/// <param name="Reliability">Soft-pruning reliability γ used for this query (1 when not soft-pruned).</param>
/// <param name="Source">The item's source tag, if it has one.</param>
public sealed record WeightedNeighborOutput(long Id, string Label, float Similarity, double Weight, float Reliability, string? Source);

/// <summary>A prediction at one level of the taxonomy.</summary>
/// <param name="Depth">0 for top-level nodes.</param>
/// <param name="Node">The predicted node.</param>
/// <param name="Score">KS p-value or summed vote.</param>
/// <param name="Confidence">The node's share among its siblings.</param>
public sealed record LevelOutput(int Depth, string Node, double Score, double Confidence);

/// <summary>Response of classify.</summary>
/// <param name="Label">Predicted label.</param>
/// <param name="Confidence">The winner's share of the total vote (JOINT-INF: its probability).</param>
/// <param name="Scores">Summed vote (JOINT-INF: probability) per label.</param>
/// <param name="Neighbors">The neighbours that voted, when explain was requested.</param>
/// <param name="Residual">Classification of the residual query, when requested.</param>
/// <param name="Levels">Per-level predictions, when a hierarchy was requested.</param>
/// <param name="Lambda">The JOINT-INF λ, when used.</param>
public sealed record ClassifyResponse(
    string Label, double Confidence, IReadOnlyDictionary<string, double> Scores, IReadOnlyList<WeightedNeighborOutput>? Neighbors,
    ClassifyResponse? Residual = null, IReadOnlyList<LevelOutput>? Levels = null, double? Lambda = null);
