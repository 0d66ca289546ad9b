namespace VisualMemory.ControlPlane;

/// <summary>A memory known to the cluster.</summary>
/// <param name="Name">The memory's name.</param>
/// <param name="DefinitionJson">Its definition (index kind, dimension, ...), opaque to the store, returned as given.</param>
/// <param name="Shards">How many shards it is split into (numbered 0 to Shards - 1).</param>
/// <param name="ReplicationFactor">How many replicas of each shard placement aims for.</param>
/// <param name="CreatedAt">When it was created (database clock).</param>
public sealed record MemoryRecord(string Name, string DefinitionJson, int Shards, int ReplicationFactor, DateTimeOffset CreatedAt);
