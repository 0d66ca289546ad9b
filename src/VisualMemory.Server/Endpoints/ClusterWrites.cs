using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Endpoints;

/// <summary>How a coordinator answers a write to a distributed memory once every shard's primary answered.</summary>
internal static class ClusterWrites
{
    /// <summary>503 naming every shard whose part failed and why, or null when all succeeded.</summary>
    public static IResult? Failed(string memory, IReadOnlyList<ShardWriteOutcome> outcomes)
    {
        var failed = outcomes.Where(o => o.Error is not null).ToList();
        return failed.Count == 0
            ? null
            : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Write not acknowledged.",
                detail: $"memory '{memory}': {string.Join("; ", failed.Select(f => $"shard {f.Shard}: {f.Error}"))}. Parts may be applied on some replicas; retrying the same write is safe.",
                extensions: new Dictionary<string, object?> { ["failedShards"] = failed.Select(f => f.Shard).ToArray() });
    }

    /// <summary>The ids the shards' primaries deleted.</summary>
    public static long[] Deleted(IReadOnlyList<ShardWriteOutcome> outcomes) =>
        [.. outcomes.SelectMany(o => o.Response?.Deleted ?? (IEnumerable<long>)[])];
}
