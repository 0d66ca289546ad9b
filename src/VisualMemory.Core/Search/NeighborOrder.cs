namespace VisualMemory.Core.Search;

/// <summary>
/// The one order of neighbours used everywhere: higher similarity first, and among equal
/// similarities the smaller id first. A total order makes results independent of how the memory is
/// split into shards and segments, so a sharded search returns exactly what one index would.
/// </summary>
public sealed class NeighborOrder : IComparer<Neighbor>
{
    /// <summary>The shared instance.</summary>
    public static NeighborOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(Neighbor x, Neighbor y)
    {
        var bySimilarity = y.Similarity.CompareTo(x.Similarity);
        return bySimilarity != 0 ? bySimilarity : x.Id.CompareTo(y.Id);
    }
}
