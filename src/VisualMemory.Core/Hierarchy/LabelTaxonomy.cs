namespace VisualMemory.Core.Hierarchy;

/// <summary>
/// A tree of label names (e.g. kingdom → … → species) for hierarchical classification
/// (research.md §1). Built from a child → parent map; a parent that is never listed as a child is
/// a root-level node. The memory's labels are expected to be leaves, but any node may carry samples.
/// A name the taxonomy does not know is treated as a root-level leaf, so a label added to the
/// memory after the taxonomy was defined still classifies (at depth 0) instead of failing.
/// Above all root-level nodes sits <see cref="VirtualRoot"/>, so that descent can start from one
/// node. Children are listed in ordinal name order so every traversal is deterministic. Immutable.
/// </summary>
public sealed class LabelTaxonomy
{
    /// <summary>
    /// The name of the virtual root above every root-level node. It is the empty string, which is
    /// never a valid node name.
    /// </summary>
    public const string VirtualRoot = "";

    private readonly Dictionary<string, string?> _parentOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _childrenOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _depthOf = new(StringComparer.Ordinal);
    private readonly string[] _roots;
    private readonly string[] _nodes;

    /// <summary>Builds the taxonomy from <paramref name="parentOf"/> (child name → parent name, or null for a root-level node).</summary>
    /// <exception cref="ArgumentException">The map is not a forest; the message is <see cref="Problem"/>'s.</exception>
    public LabelTaxonomy(IReadOnlyDictionary<string, string?> parentOf)
    {
        var problem = Problem(parentOf);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(parentOf));
        }
        foreach (var (child, parent) in parentOf)
        {
            _parentOf[child] = parent;
            if (parent is not null)
            {
                _parentOf.TryAdd(parent, null);
            }
        }
        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (child, parent) in _parentOf)
        {
            var key = parent ?? VirtualRoot;
            if (!children.TryGetValue(key, out var list))
            {
                list = [];
                children.Add(key, list);
            }
            list.Add(child);
        }
        foreach (var (parent, list) in children)
        {
            list.Sort(StringComparer.Ordinal);
            _childrenOf.Add(parent, [.. list]);
        }
        _roots = _childrenOf.TryGetValue(VirtualRoot, out var roots) ? roots : [];
        _nodes = [.. _parentOf.Keys.Order(StringComparer.Ordinal)];
        foreach (var node in _nodes)
        {
            var depth = 0;
            for (var up = _parentOf[node]; up is not null; up = _parentOf[up])
            {
                depth++;
            }
            _depthOf.Add(node, depth);
            MaxDepth = Math.Max(MaxDepth, depth);
        }
    }

    /// <summary>The root-level nodes (children of <see cref="VirtualRoot"/>), in ordinal order.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Every node the taxonomy names, as a child or as a parent, in ordinal order.</summary>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <summary>The depth of the deepest known node (root-level nodes have depth 0); 0 for an empty taxonomy.</summary>
    public int MaxDepth { get; }

    /// <summary>
    /// Null when <paramref name="parentOf"/> describes a forest; otherwise a sentence naming the first
    /// problem (in ordinal order of child names): an empty name, an empty parent name, a node that
    /// is its own parent, or a cycle.
    /// </summary>
    public static string? Problem(IReadOnlyDictionary<string, string?> parentOf)
    {
        ArgumentNullException.ThrowIfNull(parentOf);
        var names = parentOf.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (var child in names)
        {
            if (string.IsNullOrWhiteSpace(child))
            {
                return "a node name is empty";
            }
            var parent = parentOf[child];
            if (parent is not null && string.IsNullOrWhiteSpace(parent))
            {
                return $"the parent of '{child}' is empty; use null for a root-level node";
            }
            if (string.Equals(child, parent, StringComparison.Ordinal))
            {
                return $"'{child}' is its own parent";
            }
        }
        // Walk up from each node; meeting a node of the current walk again is a cycle, meeting a
        // node an earlier walk finished means the rest of the way up is already known to be fine.
        var finished = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in names)
        {
            var walk = new List<string>();
            var onWalk = new HashSet<string>(StringComparer.Ordinal);
            for (string? node = start; node is not null && !finished.Contains(node); node = parentOf.GetValueOrDefault(node))
            {
                if (!onWalk.Add(node))
                {
                    var cycle = walk.Skip(walk.IndexOf(node)).Append(node);
                    return $"the parents of '{node}' form a cycle: {string.Join(" → ", cycle)}";
                }
                walk.Add(node);
            }
            finished.UnionWith(walk);
        }
        return null;
    }

    /// <summary>Whether the taxonomy names <paramref name="name"/> (the virtual root is not a named node).</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _parentOf.ContainsKey(name);
    }

    /// <summary>The parent of <paramref name="name"/>; null for a root-level node, an unknown name, or the virtual root.</summary>
    public string? Parent(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _parentOf.GetValueOrDefault(name);
    }

    /// <summary>
    /// The children of <paramref name="name"/> in ordinal order; <see cref="Roots"/> for
    /// <see cref="VirtualRoot"/>; empty for a leaf or an unknown name.
    /// </summary>
    public IReadOnlyList<string> Children(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _childrenOf.TryGetValue(name, out var children) ? children : [];
    }

    /// <summary>Whether <paramref name="name"/> has no children (true for unknown names).</summary>
    public bool IsLeaf(string name) => Children(name).Count == 0;

    /// <summary>Depth of <paramref name="name"/>: 0 for root-level nodes and unknown names, −1 for the virtual root.</summary>
    public int Depth(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? -1 : _depthOf.GetValueOrDefault(name);
    }

    /// <summary>
    /// The nodes from the root-level ancestor down to <paramref name="name"/> itself (the virtual
    /// root excluded), so element d is the ancestor at depth d; empty for the virtual root.
    /// </summary>
    public IReadOnlyList<string> PathFromRoot(string name)
    {
        var path = new string[Depth(name) + 1];
        string? node = name;
        for (var i = path.Length - 1; i >= 0; i--)
        {
            path[i] = node!;
            node = _parentOf.GetValueOrDefault(node!);
        }
        return path;
    }

    /// <summary>
    /// The ancestor (or the node itself) of <paramref name="name"/> at <paramref name="depth"/>;
    /// null when <paramref name="name"/> is shallower than that.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is negative.</exception>
    public string? AncestorAtDepth(string name, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        var own = Depth(name);
        if (depth > own)
        {
            return null;
        }
        string? node = name;
        for (var d = own; d > depth; d--)
        {
            node = _parentOf.GetValueOrDefault(node!);
        }
        return node;
    }

    /// <summary>
    /// <paramref name="name"/> and every node below it, in depth-first pre-order with children in
    /// ordinal order. For the virtual root: itself, then every known node.
    /// </summary>
    public IReadOnlyList<string> Descendants(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new List<string>();
        var pending = new Stack<string>();
        pending.Push(name);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            result.Add(node);
            var children = Children(node);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i]);
            }
        }
        return result;
    }

    /// <summary>
    /// Whether <paramref name="ancestor"/> is <paramref name="name"/> or lies on its path to the
    /// root. The virtual root is an ancestor of every name.
    /// </summary>
    public bool IsAncestorOrSelf(string ancestor, string name)
    {
        ArgumentNullException.ThrowIfNull(ancestor);
        ArgumentNullException.ThrowIfNull(name);
        if (ancestor.Length == 0)
        {
            return true;
        }
        for (string? node = name; node is not null; node = _parentOf.GetValueOrDefault(node))
        {
            if (string.Equals(node, ancestor, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
