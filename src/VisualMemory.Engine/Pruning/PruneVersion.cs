namespace VisualMemory.Engine.Pruning;

/// <summary>
/// The result of one pruning job: every sample's wrong-contribution count v (samples with v = 0 are
/// omitted) and the parameters that turn counts into hard and soft pruning. Immutable once made.
/// </summary>
/// <param name="Version">Sequence number within the memory, from 1.</param>
/// <param name="CreatedAt">When the job finished.</param>
/// <param name="Options">The job's settings.</param>
/// <param name="HardThreshold">The resolved hard-pruning threshold.</param>
/// <param name="MemorySize">Live samples queried.</param>
/// <param name="Misclassified">Samples whose leave-one-out prediction was wrong.</param>
/// <param name="Counts">v per sample id, only for v &gt; 0.</param>
public sealed record PruneVersion(
    int Version,
    DateTimeOffset CreatedAt,
    PruneJobOptions Options,
    int HardThreshold,
    long MemorySize,
    long Misclassified,
    IReadOnlyDictionary<long, int> Counts)
{
    /// <summary>How many samples hard pruning removes.</summary>
    public int HardPrunedCount => Counts.Values.Count(v => v >= HardThreshold);
}
