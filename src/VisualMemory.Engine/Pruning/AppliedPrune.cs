using VisualMemory.Core.Pruning;

namespace VisualMemory.Engine.Pruning;

/// <summary>A prune version in force and how queries use it by default.</summary>
/// <param name="Version">The applied version.</param>
/// <param name="Mode">Default pruning of queries that do not choose one (hard or soft).</param>
/// <param name="AppliedAt">When it was applied.</param>
public sealed record AppliedPrune(int Version, PruningMode Mode, DateTimeOffset AppliedAt);
