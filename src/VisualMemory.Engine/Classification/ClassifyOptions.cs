using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Pruning;

namespace VisualMemory.Engine.Classification;

/// <summary>Everything a classify request can ask for, already validated.</summary>
/// <param name="K">Neighbours that vote.</param>
/// <param name="Aggregation">How votes are weighted.</param>
/// <param name="NProbe">IVF lists to probe; null uses the memory's default.</param>
/// <param name="Pruning">Pruning of this query; null uses the applied prune's mode.</param>
/// <param name="Explain">Return the neighbours with weights, reliability and source.</param>
/// <param name="Residual">Also classify the query minus its nearest neighbour's feature (a second concept).</param>
/// <param name="Hierarchy">Also predict at every taxonomy level; null for none.</param>
/// <param name="Lambda">JOINT-INF mixing weight of the kNN distribution (1 = kNN only); null for plain kNN.</param>
public sealed record ClassifyOptions(
    int K,
    AggregationOptions Aggregation,
    int? NProbe = null,
    PruningMode? Pruning = null,
    bool Explain = false,
    bool Residual = false,
    HierarchyMethod? Hierarchy = null,
    double? Lambda = null);
