namespace VisualMemory.Core.Search;

/// <summary>
/// One retrieved memory item: its caller-chosen id, its label (an index into the memory's
/// <see cref="Labels.LabelVocabulary"/>) and its cosine similarity to the query.
/// </summary>
/// <param name="Id">The 64-bit id the item was added with.</param>
/// <param name="Label">Label index in the memory's vocabulary.</param>
/// <param name="Similarity">Cosine similarity (inner product of L2-normalised vectors); distance is 1 − similarity.</param>
/// <param name="Reliability">
/// Soft-pruning factor γ in (0, 1] that multiplies this neighbour's vote weight (research.md §1);
/// 1 when the memory has no soft pruning applied.
/// </param>
public readonly record struct Neighbor(long Id, int Label, float Similarity, float Reliability = 1f)
{
    /// <summary>Cosine distance, as used by distance voting: 1 − similarity.</summary>
    public double Distance => 1.0 - Similarity;
}
