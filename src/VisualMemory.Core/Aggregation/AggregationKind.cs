namespace VisualMemory.Core.Aggregation;

/// <summary>How the k neighbours' labels are combined into one prediction (research.md §1).</summary>
public enum AggregationKind
{
    /// <summary>Every neighbour votes 1.</summary>
    Plurality,

    /// <summary>A neighbour votes exp(−dist), dist = 1 − cosine similarity.</summary>
    Distance,

    /// <summary>A neighbour votes softmax over the k neighbours of similarity / τ.</summary>
    Softmax,

    /// <summary>A neighbour votes 1 / (α + rank), rank 0-based: the paper's proposal.</summary>
    Rank,
}
