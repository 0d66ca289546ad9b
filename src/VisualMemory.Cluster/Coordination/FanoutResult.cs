using VisualMemory.Core.Search;

namespace VisualMemory.Cluster.Coordination;

/// <summary>The merged answer of a fan-out, and what it lacks.</summary>
/// <param name="Neighbors">Per query, the k nearest items over every shard that answered, in <see cref="NeighborOrder"/>.</param>
/// <param name="MissingShards">Shards no replica answered (their items are absent from the result).</param>
/// <param name="Retries">Shard requests that failed on one replica and were sent to another.</param>
#pragma warning disable CA1819 // a result record; the arrays are the search result itself
public sealed record FanoutResult(Neighbor[][] Neighbors, IReadOnlyList<int> MissingShards, int Retries)
#pragma warning restore CA1819
{
    /// <summary>True when every shard answered.</summary>
    public bool Complete => MissingShards.Count == 0;
}
