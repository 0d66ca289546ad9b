namespace VisualMemory.Core.Pruning;

/// <summary>How a query treats the samples a pruning job marked as harmful (research.md §1).</summary>
public enum PruningMode
{
    /// <summary>Every live sample votes with its full weight.</summary>
    None,

    /// <summary>Samples whose wrong-contribution count reached the threshold are left out of the search.</summary>
    Hard,

    /// <summary>Every sample's vote weight is multiplied by its reliability γ = min(1, d / (c + v)).</summary>
    Soft,
}
