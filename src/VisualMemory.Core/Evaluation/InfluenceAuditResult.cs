namespace VisualMemory.Core.Evaluation;

/// <summary>The outcome of an <see cref="InfluenceAudit"/>.</summary>
/// <param name="Influential">
/// The non-private memory items: those whose removal changes at least one prediction, most
/// changes first, then by ascending id.
/// </param>
/// <param name="Queries">Test queries audited.</param>
/// <param name="DistinctInTopK">Distinct memory items that appeared in any query's top k: the only candidates.</param>
/// <param name="MemorySize">Items in the memory.</param>
public sealed record InfluenceAuditResult(IReadOnlyList<ItemInfluence> Influential, int Queries, long DistinctInTopK, long MemorySize)
{
    /// <summary>Fraction of the memory that is non-private: influential items / memory size (research.md §2 reports &lt; 0.6% on ImageNet-1K).</summary>
    public double NonPrivateFraction => Influential.Count / (double)MemorySize;
}
