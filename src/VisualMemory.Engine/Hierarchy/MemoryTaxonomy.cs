using VisualMemory.Core.Hierarchy;

namespace VisualMemory.Engine.Hierarchy;

/// <summary>
/// A memory's label taxonomy plus the reference distances its KS descent compares against: for each
/// node, distances between pairs of the node's own examples (items whose label is the node or below).
/// References are sampled from the stored vectors and rebuilt after the memory changes, so deleted
/// items stop shaping them as soon as they are deleted.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class MemoryTaxonomy
{
    /// <summary>Examples sampled per label for the references.</summary>
    public const int ExamplesPerLabel = 48;

    /// <summary>Most examples per node (nodes with many labels below take an even share of each).</summary>
    public const int ExamplesPerNode = 192;

    /// <summary>Pairwise distances kept per node.</summary>
    public const int PairsPerNode = 2000;

    private readonly Lock _gate = new();
    private long _referencesVersion = -1;
    private IReadOnlyDictionary<string, double[]> _references = new Dictionary<string, double[]>();

    /// <summary>Creates a taxonomy from child → parent (null parent: top level).</summary>
    /// <exception cref="ArgumentException">Malformed: the message names the cycle or empty name.</exception>
    public MemoryTaxonomy(IReadOnlyDictionary<string, string?> parentOf)
    {
        ArgumentNullException.ThrowIfNull(parentOf);
        if (LabelTaxonomy.Problem(parentOf) is { } problem)
        {
            throw new ArgumentException(problem, nameof(parentOf));
        }
        ParentOf = new Dictionary<string, string?>(parentOf, StringComparer.Ordinal);
        Tree = new LabelTaxonomy(ParentOf);
    }

    /// <summary>Child → parent, as given.</summary>
    public IReadOnlyDictionary<string, string?> ParentOf { get; }

    /// <summary>The tree.</summary>
    public LabelTaxonomy Tree { get; }

    /// <summary>The reference distances of every node, rebuilt when the memory has changed since last time.</summary>
    public IReadOnlyDictionary<string, double[]> References(LocalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        lock (_gate)
        {
            var version = memory.WriteVersion;
            if (version != _referencesVersion)
            {
                _references = Build(memory);
                _referencesVersion = version;
            }
            return _references;
        }
    }

    private Dictionary<string, double[]> Build(LocalMemory memory)
    {
        var d = memory.Definition.Dimension;
        var examples = new Dictionary<int, List<float[]>>();
        foreach (var shard in memory.Shards)
        {
            foreach (var batch in shard.LiveItems(4096))
            {
                for (var i = 0; i < batch.Ids.Count; i++)
                {
                    var list = examples.TryGetValue(batch.Labels[i], out var l) ? l : examples[batch.Labels[i]] = [];
                    if (list.Count < ExamplesPerLabel)
                    {
                        list.Add(batch.Vectors.Slice(i * d, d).ToArray());
                    }
                }
            }
        }
        var byName = examples.ToDictionary(e => memory.Labels[e.Key], e => e.Value, StringComparer.Ordinal);
        var nodes = Tree.Nodes.Concat(byName.Keys).Distinct(StringComparer.Ordinal);
        var references = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var seed = 0;
        foreach (var node in nodes)
        {
            var labelled = Tree.Descendants(node).Where(byName.ContainsKey).Select(n => byName[n]).ToList();
            if (labelled.Count == 0)
            {
                continue;
            }
            var share = Math.Max(2, ExamplesPerNode / labelled.Count);
            var rows = labelled.SelectMany(list => list.Take(share)).SelectMany(v => v).ToArray();
            references[node] = WithinNodeDistances.PairwiseDistances(rows, d, PairsPerNode, seed++);
        }
        return references;
    }
}
