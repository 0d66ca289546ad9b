namespace VisualMemory.Engine;

/// <summary>What a shard stores about one live item besides its vector.</summary>
/// <param name="Id">The item's id.</param>
/// <param name="Label">Label index in the memory's vocabulary.</param>
/// <param name="Source">Source index in the memory's source vocabulary, or -1 when the item has none.</param>
/// <param name="Reliability">Soft-pruning reliability γ of the applied prune, 1 when none applies.</param>
/// <param name="Pruned">True when the applied prune marks the item for hard pruning.</param>
public readonly record struct StoredItem(long Id, int Label, int Source, float Reliability, bool Pruned);
