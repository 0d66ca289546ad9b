namespace VisualMemory.ControlPlane;

/// <summary>What a node offers the cluster; a node may play several roles at once.</summary>
[Flags]
public enum NodeRoles
{
    /// <summary>No role (a node that only watches).</summary>
    None = 0,

    /// <summary>May become the controller and plan placement.</summary>
    Coordinator = 1,

    /// <summary>Hosts shard replicas and answers searches on them.</summary>
    ShardHost = 2,

    /// <summary>Turns images into embeddings.</summary>
    EmbeddingWorker = 4,
}
