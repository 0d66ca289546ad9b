namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/memories. Omitted optional fields take the node's defaults.</summary>
/// <param name="Name">Unique memory name.</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Index">FAISS factory description of sealed segments; default "Flat".</param>
/// <param name="Shards">Shard count; default from settings (4).</param>
/// <param name="Nprobe">Default IVF lists probed per query; default from settings (16).</param>
/// <param name="Center">Optional feature mean subtracted before normalisation (Jia et al.); one number per dimension.</param>
/// <param name="Replicas">Replicas of each shard the cluster's controller places on shard hosts; default 1.</param>
/// <param name="Model">
/// The embedding model (a name in this node's <c>Embedding:Models</c>) images sent to this memory are embedded
/// with; its SHA-256 is recorded, and the dimension defaults to the model's. Without it the memory takes vectors only.
/// </param>
public sealed record CreateMemoryRequest(string? Name, int? Dimension, string? Index, int? Shards, int? Nprobe, float[]? Center = null, int? Replicas = null, string? Model = null);

/// <summary>A memory's definition and current state.</summary>
/// <param name="Name">Memory name.</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Index">FAISS factory description.</param>
/// <param name="Metric">Always "cosine".</param>
/// <param name="Count">Live items.</param>
/// <param name="Shards">Shard count.</param>
/// <param name="Nprobe">Default IVF lists probed per query.</param>
/// <param name="Labels">Distinct labels seen.</param>
/// <param name="Trained">Whether the quantizer is trained.</param>
/// <param name="LastSealError">Why the last automatic seal failed, if it did.</param>
/// <param name="ShardStats">Per-shard counts.</param>
/// <param name="Storage">Where the memory's bytes are.</param>
/// <param name="Model">The embedding model, when the memory names one.</param>
public sealed record MemoryInfo(
    string Name, int Dimension, string Index, string Metric, long Count, int Shards, int Nprobe,
    int Labels, bool Trained, string? LastSealError, IReadOnlyList<ShardInfo> ShardStats, StorageInfo Storage,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ModelInfo? Model = null);

/// <summary>The embedding model a memory's images are embedded with.</summary>
/// <param name="Name">The model's name on the nodes.</param>
/// <param name="Sha256">SHA-256 of its ONNX file; a node whose file differs refuses images for this memory.</param>
public sealed record ModelInfo(string Name, string Sha256);

/// <summary>Where a memory's bytes are, summed over its shards.</summary>
/// <param name="Durable">True when the memory survives restarts (the server always makes it so).</param>
/// <param name="RamBytes">Approximate bytes held in RAM.</param>
/// <param name="StoredBytes">Bytes of stored segment objects in object storage.</param>
/// <param name="StoredSegments">Segments in object storage.</param>
/// <param name="LogRecords">Write-ahead-log records not yet covered by stored segments (replayed at restart).</param>
/// <param name="LogBytes">Bytes of the write-ahead logs on local disk.</param>
/// <param name="PendingForgets">Unlearning requests whose items a stored object may still hold.</param>
public sealed record StorageInfo(bool Durable, long RamBytes, long StoredBytes, int StoredSegments, long LogRecords, long LogBytes, int PendingForgets);

/// <summary>Counts of one shard.</summary>
/// <param name="Shard">Shard number.</param>
/// <param name="Items">Live items.</param>
/// <param name="SealedSegments">Segments encoded with the FAISS index.</param>
/// <param name="SealedItems">Live items in sealed segments.</param>
/// <param name="GrowingItems">Live items in exact segments.</param>
/// <param name="Tombstones">Deleted rows not yet purged.</param>
/// <param name="StoredSegments">Segments in object storage.</param>
/// <param name="LogRecords">Log records not yet covered by stored segments.</param>
public sealed record ShardInfo(int Shard, int Items, int SealedSegments, long SealedItems, long GrowingItems, long Tombstones, int StoredSegments, long LogRecords);

/// <summary>Body of GET /v1/memories.</summary>
/// <param name="Memories">Every memory this node holds whole.</param>
/// <param name="Distributed">Memories spread over the cluster's shard hosts (cluster mode only), as the control plane describes them.</param>
public sealed record MemoryList(IReadOnlyList<MemoryInfo> Memories, IReadOnlyList<DistributedMemoryInfo>? Distributed = null);

/// <summary>A memory spread over the cluster: its definition and where each shard's replicas are.</summary>
/// <param name="Name">The memory's name.</param>
/// <param name="Dimension">Vector dimension.</param>
/// <param name="Index">FAISS factory description of sealed segments.</param>
/// <param name="Metric">Always cosine.</param>
/// <param name="ShardCount">Number of shards.</param>
/// <param name="Nprobe">Default IVF lists visited.</param>
/// <param name="ReplicationFactor">Replicas per shard placement aims for.</param>
/// <param name="Shards">Per shard: its primary and replicas.</param>
public sealed record DistributedMemoryInfo(string Name, int Dimension, string Index, string Metric, int ShardCount, int Nprobe, int ReplicationFactor, IReadOnlyList<ShardPlacementInfo> Shards);

/// <summary>Where one shard of a distributed memory lives.</summary>
/// <param name="Shard">The shard number.</param>
/// <param name="Primary">The replica that orders its writes (null until one is Ready).</param>
/// <param name="PrimaryTerm">The primary's term (fences older primaries).</param>
/// <param name="Replicas">Each replica's node and state (loading, ready, draining).</param>
/// <param name="StoredBytes">Bytes in object storage of the primary's copy, as it last reported them.</param>
public sealed record ShardPlacementInfo(int Shard, string? Primary, long PrimaryTerm, IReadOnlyList<ReplicaStateInfo> Replicas, long StoredBytes);

/// <summary>One replica of a shard.</summary>
/// <param name="Node">The node hosting it.</param>
/// <param name="State">loading, ready or draining.</param>
public sealed record ReplicaStateInfo(string Node, string State);

/// <summary>Body of GET /v1/memories/{name}/labels.</summary>
/// <param name="Labels">The label vocabulary in first-use order.</param>
public sealed record LabelList(IReadOnlyList<string> Labels);

/// <summary>Response of POST /v1/memories/{name}/seal.</summary>
/// <param name="Sealed">Rows encoded into sealed segments.</param>
/// <param name="Memory">The memory after sealing.</param>
public sealed record SealResponse(long Sealed, MemoryInfo Memory);

/// <summary>Response of POST /v1/memories/{name}/retrain.</summary>
/// <param name="Reencoded">Rows re-encoded with the new quantizer.</param>
/// <param name="Memory">The memory after retraining (checkpointed).</param>
public sealed record RetrainResponse(long Reencoded, MemoryInfo Memory);

/// <summary>One shard replica's placement, as GET /v1/cluster/placement shows it.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Shard">The shard number.</param>
/// <param name="Node">The node assigned to host it.</param>
/// <param name="State">loading, ready or draining.</param>
/// <param name="Epoch">The shard's assignment epoch when this replica was last changed.</param>
public sealed record ReplicaInfo(string Memory, int Shard, string Node, string State, long Epoch);

/// <summary>Body of GET /v1/cluster/placement.</summary>
/// <param name="Replicas">Every assigned replica, by memory, shard and node.</param>
public sealed record PlacementView(IReadOnlyList<ReplicaInfo> Replicas);
