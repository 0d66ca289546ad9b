namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories/{name}/prunes: run a pruning job (research.md §1). All fields optional.</summary>
/// <param name="K">Leave-one-out neighbours per sample; default 100.</param>
/// <param name="Aggregation">Aggregation deciding misclassification; default "rank".</param>
/// <param name="Tau">Softmax temperature.</param>
/// <param name="Alpha">Rank-voting offset.</param>
/// <param name="CountAllNeighbours">Blame every neighbour of a misclassified sample, not only those voting for the wrong label.</param>
/// <param name="HardThreshold">Hard pruning removes samples with v ≥ this; default: 128, scaled down for small memories.</param>
/// <param name="SoftC">Soft pruning c (default 1).</param>
/// <param name="SoftD">Soft pruning d (default 1.75).</param>
public sealed record PruneJobRequest(int? K, string? Aggregation, double? Tau, double? Alpha, bool? CountAllNeighbours, int? HardThreshold, double? SoftC, double? SoftD);

/// <summary>A prune version.</summary>
/// <param name="Version">Version number.</param>
/// <param name="CreatedAt">When the job finished.</param>
/// <param name="K">Neighbours per sample.</param>
/// <param name="Aggregation">Aggregation used.</param>
/// <param name="CountAllNeighbours">Counting rule.</param>
/// <param name="HardThreshold">Resolved hard-pruning threshold.</param>
/// <param name="SoftC">Soft pruning c.</param>
/// <param name="SoftD">Soft pruning d.</param>
/// <param name="MemorySize">Samples queried.</param>
/// <param name="Misclassified">Samples misclassified leave-one-out.</param>
/// <param name="Blamed">Samples with at least one wrong contribution.</param>
/// <param name="HardPruned">Samples hard pruning removes.</param>
public sealed record PruneVersionOutput(
    int Version, DateTimeOffset CreatedAt, int K, string Aggregation, bool CountAllNeighbours, int HardThreshold,
    double SoftC, double SoftD, long MemorySize, long Misclassified, int Blamed, int HardPruned);

/// <summary>The prune in force.</summary>
/// <param name="Version">Applied version.</param>
/// <param name="Mode">"hard" or "soft": what queries get by default.</param>
/// <param name="AppliedAt">When.</param>
public sealed record AppliedPruneOutput(int Version, string Mode, DateTimeOffset AppliedAt);

/// <summary>Response of GET /v1/memories/{name}/prunes.</summary>
/// <param name="Versions">Every version, oldest first.</param>
/// <param name="Applied">The prune in force, or null.</param>
public sealed record PruneListOutput(IReadOnlyList<PruneVersionOutput> Versions, AppliedPruneOutput? Applied);

/// <summary>A sample with many wrong contributions.</summary>
/// <param name="Id">Item id.</param>
/// <param name="Label">Its label, if still stored.</param>
/// <param name="Count">Wrong contributions v.</param>
/// <param name="Reliability">Its soft-pruning γ.</param>
/// <param name="HardPruned">True when v reaches the hard threshold.</param>
public sealed record PruneOffenderOutput(long Id, string? Label, int Count, double Reliability, bool HardPruned);

/// <summary>Response of GET /v1/memories/{name}/prunes/{version}/offenders.</summary>
/// <param name="Version">The version.</param>
/// <param name="Offenders">Worst first (count desc, id asc).</param>
public sealed record PruneOffendersOutput(int Version, IReadOnlyList<PruneOffenderOutput> Offenders);

/// <summary>Body of POST /v1/memories/{name}/prunes/{version}/apply.</summary>
/// <param name="Mode">"hard" or "soft" (default).</param>
public sealed record ApplyPruneRequest(string? Mode);

/// <summary>Response of POST /v1/memories/{name}/prunes/rollback.</summary>
/// <param name="Applied">What is in force now, or null for no pruning.</param>
public sealed record RollbackPruneOutput(AppliedPruneOutput? Applied);
