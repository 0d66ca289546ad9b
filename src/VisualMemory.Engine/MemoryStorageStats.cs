namespace VisualMemory.Engine;

/// <summary>Where a memory's bytes are, summed over its shards.</summary>
/// <param name="Durable">True when the memory is backed by storage.</param>
/// <param name="RamBytes">Approximate bytes held in RAM (vectors or indexes, row data, id maps).</param>
/// <param name="StoredSegmentBytes">Bytes of stored segment objects.</param>
/// <param name="StoredSegments">Segments in object storage.</param>
/// <param name="SealedSegments">Segments with a FAISS index in RAM.</param>
/// <param name="LogRecords">Write-ahead-log records not yet covered by stored segments.</param>
/// <param name="LogBytes">Bytes of the write-ahead logs on local disk.</param>
/// <param name="PendingForgets">Unlearning requests whose items a stored object may still hold.</param>
public sealed record MemoryStorageStats(bool Durable, long RamBytes, long StoredSegmentBytes, int StoredSegments, int SealedSegments, long LogRecords, long LogBytes, int PendingForgets);
