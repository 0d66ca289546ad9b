using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Cluster.Protocol;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// Converts shard search results to and from their Protobuf form. Labels travel as names (one table
/// per response) because every node interns labels in its own order; the receiver maps them into
/// its vocabulary.
/// </summary>
public static class ShardSearchCodec
{
    /// <summary>The wire form of a pruning mode; null is "the memory's applied prune".</summary>
    public static Protocol.Pruning ToWire(PruningMode? mode) => mode switch
    {
        null => Protocol.Pruning.Default,
        PruningMode.None => Protocol.Pruning.None,
        PruningMode.Hard => Protocol.Pruning.Hard,
        PruningMode.Soft => Protocol.Pruning.Soft,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown pruning mode"),
    };

    /// <summary>The pruning mode of a wire value; null is "the memory's applied prune".</summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown wire value.</exception>
    public static PruningMode? FromWire(Protocol.Pruning pruning) => pruning switch
    {
        Protocol.Pruning.Default => null,
        Protocol.Pruning.None => PruningMode.None,
        Protocol.Pruning.Hard => PruningMode.Hard,
        Protocol.Pruning.Soft => PruningMode.Soft,
        _ => throw new ArgumentOutOfRangeException(nameof(pruning), pruning, "unknown pruning mode"),
    };

    /// <summary>Encodes per-query hits, naming labels with <paramref name="labelName"/>.</summary>
    public static ShardSearchResponse Encode(IReadOnlyList<IReadOnlyList<Neighbor>> results, Func<int, string> labelName)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(labelName);
        var response = new ShardSearchResponse();
        var slots = new Dictionary<int, int>();
        foreach (var hits in results)
        {
            var wire = new QueryHits();
            foreach (var neighbor in hits)
            {
                if (!slots.TryGetValue(neighbor.Label, out var slot))
                {
                    slot = response.Labels.Count;
                    response.Labels.Add(labelName(neighbor.Label));
                    slots[neighbor.Label] = slot;
                }
                wire.Ids.Add(neighbor.Id);
                wire.Labels.Add(slot);
                wire.Similarities.Add(neighbor.Similarity);
                wire.Reliabilities.Add(neighbor.Reliability);
            }
            response.Queries.Add(wire);
        }
        return response;
    }

    /// <summary>Decodes hits, mapping label names into the receiver's vocabulary with <paramref name="internLabel"/>.</summary>
    /// <exception cref="InvalidDataException">The arrays of a query disagree in length or a label index is out of range.</exception>
    public static Neighbor[][] Decode(ShardSearchResponse response, Func<string, int> internLabel)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(internLabel);
        var labels = response.Labels.Select(internLabel).ToArray();
        var results = new Neighbor[response.Queries.Count][];
        for (var q = 0; q < results.Length; q++)
        {
            var hits = response.Queries[q];
            var n = hits.Ids.Count;
            if (hits.Labels.Count != n || hits.Similarities.Count != n || hits.Reliabilities.Count != n)
            {
                throw new InvalidDataException($"query {q}: {n} ids but {hits.Labels.Count} labels, {hits.Similarities.Count} similarities and {hits.Reliabilities.Count} reliabilities");
            }
            var neighbors = new Neighbor[n];
            for (var i = 0; i < n; i++)
            {
                var slot = hits.Labels[i];
                if ((uint)slot >= (uint)labels.Length)
                {
                    throw new InvalidDataException($"query {q} hit {i}: label index {slot} outside the table of {labels.Length}");
                }
                neighbors[i] = new Neighbor(hits.Ids[i], labels[slot], hits.Similarities[i], hits.Reliabilities[i]);
            }
            results[q] = neighbors;
        }
        return results;
    }
}
