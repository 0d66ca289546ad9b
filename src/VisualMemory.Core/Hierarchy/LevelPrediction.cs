namespace VisualMemory.Core.Hierarchy;

/// <summary>The node chosen at one level of a hierarchical prediction.</summary>
/// <param name="Depth">Depth of <paramref name="Node"/> in the taxonomy (root-level nodes are 0).</param>
/// <param name="Node">The chosen node's name.</param>
/// <param name="Score">
/// What the choice was made on: the summed vote weight (descendant votes) or the KS p-value (KS descent).
/// </param>
/// <param name="Confidence">The node's share of the scores of all its competing siblings, in [0, 1].</param>
public readonly record struct LevelPrediction(int Depth, string Node, double Score, double Confidence);
