namespace VisualMemory.Evaluation.Experiments;

/// <summary>One prune job (leave-one-out over the memory) and accuracy with none, hard and soft pruning applied.</summary>
/// <param name="JobK">Neighbours per leave-one-out query.</param>
/// <param name="MemorySize">Samples the job queried.</param>
/// <param name="Misclassified">Samples misclassified leave-one-out.</param>
/// <param name="SamplesBlamed">Samples with at least one wrong contribution (v &gt; 0).</param>
/// <param name="MeanCount">Mean wrong-contribution count v over all samples (v = 0 included).</param>
/// <param name="HardThreshold">The threshold hard pruning used (v at or above it is removed).</param>
/// <param name="HardPrunedCount">Samples hard pruning removed.</param>
/// <param name="JobSeconds">Time the prune job took.</param>
/// <param name="Modes">Curves per mode, "none" first.</param>
public sealed record PruningResult(
    int JobK, long MemorySize, long Misclassified, int SamplesBlamed, double MeanCount, int HardThreshold, int HardPrunedCount, double JobSeconds,
    IReadOnlyList<PruningModeResult> Modes)
{
    /// <summary>The result of <paramref name="mode"/>.</summary>
    public PruningModeResult Mode(string mode) => Modes.Single(m => m.Mode == mode);
}
