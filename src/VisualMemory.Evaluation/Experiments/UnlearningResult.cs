namespace VisualMemory.Evaluation.Experiments;

/// <summary>Deleting items from a memory against building it without them.</summary>
/// <param name="MemorySize">Items before deleting.</param>
/// <param name="DeletedByIds">Items deleted by an id request (a seeded random sample).</param>
/// <param name="DeletedSource">The source tag deleted on top.</param>
/// <param name="DeletedBySource">Items deleted by the source request.</param>
/// <param name="Remaining">Items left, the size of the rebuilt memory.</param>
/// <param name="Queries">Test queries compared.</param>
/// <param name="K">Neighbours retrieved per query.</param>
/// <param name="DeletedItemsReturned">Neighbours, over all queries, that are deleted items (must be 0).</param>
/// <param name="NeighbourListDifferences">Queries whose neighbour lists (ids and similarity bits) differ.</param>
/// <param name="Comparisons">Prediction differences per aggregation and k.</param>
public sealed record UnlearningResult(
    long MemorySize, int DeletedByIds, string DeletedSource, int DeletedBySource, long Remaining, int Queries, int K,
    int DeletedItemsReturned, int NeighbourListDifferences, IReadOnlyList<UnlearningComparison> Comparisons)
{
    /// <summary>Every difference counted: neighbour lists, labels and confidences.</summary>
    public int TotalDifferences => NeighbourListDifferences + DeletedItemsReturned + Comparisons.Sum(c => c.LabelDifferences + c.ConfidenceDifferences);
}
