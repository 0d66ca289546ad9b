namespace VisualMemory.Engine.Classification;

/// <summary>How a classify request predicts at every level of the memory's taxonomy.</summary>
public enum HierarchyMethod
{
    /// <summary>Descend into the child whose examples' distance distribution best matches the query's (research.md §1, KS test).</summary>
    KsTest,

    /// <summary>Baseline: descend into the child whose descendants collected the largest vote.</summary>
    DescendantVotes,
}
