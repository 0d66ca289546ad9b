using VisualMemory.ControlPlane;
using VisualMemory.Engine;

namespace VisualMemory.Server.Cluster;

/// <summary>How this node's memories are recorded in the control plane (the cluster-wide list the controller places).</summary>
internal static class ClusterRegistration
{
    /// <summary>
    /// Records every memory this node holds that the control plane does not know yet (memories created
    /// before the node joined a control plane), with one replica per shard.
    /// </summary>
    public static async Task<int> RegisterMissingAsync(IClusterStore store, MemoryCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(catalog);
        var known = (await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var added = 0;
        foreach (var memory in catalog.Memories.Where(m => !known.Contains(m.Definition.Name)))
        {
            added += await store.CreateMemoryAsync(memory.Definition.Name, MemoryDefinitionJson.ToJson(memory.Definition), memory.Definition.Shards, 1, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        return added;
    }
}
