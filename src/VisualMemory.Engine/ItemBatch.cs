namespace VisualMemory.Engine;

/// <summary>A batch of live items with their vectors (decoded from the index for sealed segments).</summary>
/// <param name="Ids">Item ids.</param>
/// <param name="Labels">Label index of each item.</param>
/// <param name="Vectors">Row-major vectors, one row per item, L2-normalised as stored.</param>
public sealed record ItemBatch(IReadOnlyList<long> Ids, IReadOnlyList<int> Labels, ReadOnlyMemory<float> Vectors);
