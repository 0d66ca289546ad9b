namespace VisualMemory.Faiss;

/// <summary>
/// The coarse lists each query of a batch visits, assigned once (<see cref="FaissIndex.AssignCoarse"/>) and
/// reused by every IVF index with the same coarse centroids (<see cref="FaissIndex.SearchPreassigned"/>): a shard's
/// segments, and a memory's shards, are all copies of one trained template, so one assignment serves them all.
/// </summary>
/// <param name="Fingerprint">The <see cref="FaissIndex.CoarseFingerprint"/> of the centroids the lists belong to.</param>
/// <param name="QueryCount">Queries in the batch.</param>
/// <param name="NProbe">Lists per query.</param>
/// <param name="Lists">List numbers, <see cref="NProbe"/> per query, best first.</param>
/// <param name="Scores">The queries' scores against those lists' centroids.</param>
#pragma warning disable CA1819 // Properties should not return arrays: a transfer record for the native call.
public sealed record CoarseAssignment(ulong Fingerprint, int QueryCount, int NProbe, long[] Lists, float[] Scores);
#pragma warning restore CA1819
