namespace VisualMemory.Core.Placement;

/// <summary>
/// Chooses each shard's primary replica, the one that orders writes and forwards them to the other
/// replicas. Pure and deterministic, so every controller that looks at the same state chooses alike.
/// </summary>
public static class PrimaryElection
{
    /// <summary>
    /// The shards whose primary must change, and to which node. A primary whose replica is Ready on a
    /// live node keeps its place (changing it would only start a new term for nothing). Otherwise the
    /// Ready replica on a live node with the smallest name (ordinal) takes over. With no such replica
    /// the shard is left out: the recorded primary stays as the last primary, whose copy is the newest.
    /// </summary>
    /// <param name="shards">Every shard with its recorded primary.</param>
    /// <param name="replicas">Every replica, with its state as it will be after the pending placement steps.</param>
    /// <param name="aliveNodes">The nodes that are alive.</param>
    /// <returns>One choice per shard whose primary changes, in the order of <paramref name="shards"/>.</returns>
    public static IReadOnlyList<PrimaryChoice> Elect(IReadOnlyList<ShardPrimary> shards, IReadOnlyList<ReplicaAssignment> replicas, IReadOnlySet<string> aliveNodes)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(aliveNodes);
        // Only a Ready replica holds every acknowledged write; Loading ones are still catching up and
        // Draining ones are leaving, so neither may order writes.
        var candidates = replicas
            .Where(r => r.State == ReplicaState.Ready && aliveNodes.Contains(r.Node))
            .ToLookup(r => (r.Memory, r.Shard), r => r.Node);
        var choices = new List<PrimaryChoice>();
        foreach (var shard in shards)
        {
            var eligible = candidates[(shard.Memory, shard.Shard)];
            if (shard.PrimaryNode is { } current && eligible.Contains(current, StringComparer.Ordinal))
            {
                continue;
            }
            var next = eligible.Order(StringComparer.Ordinal).FirstOrDefault();
            if (next is not null)
            {
                choices.Add(new PrimaryChoice(shard.Memory, shard.Shard, next));
            }
        }
        return choices;
    }
}
