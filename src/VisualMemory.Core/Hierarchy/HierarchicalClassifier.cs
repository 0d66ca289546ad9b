using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;
using VisualMemory.Core.Statistics;

namespace VisualMemory.Core.Hierarchy;

/// <summary>
/// Predicts a label at every level of a <see cref="LabelTaxonomy"/> from one query's neighbours
/// (nearest first), descending from the virtual root one level at a time. Each level is decided
/// only among the neighbours that lie in the subtree chosen so far, and descent stops when none of
/// them lies below the current node. Both methods return the path root-level node first; an empty
/// path means no neighbour could be placed.
/// </summary>
public static class HierarchicalClassifier
{
    /// <summary>
    /// The baseline: a neighbour's weight (<see cref="NeighborWeights"/>, which includes its
    /// reliability) counts for every ancestor of its label. At each level the child with the largest
    /// summed weight wins; ties go to the child whose first vote came from the nearer neighbour.
    /// Score is the summed weight; confidence its share of the summed weight of all children that
    /// got a vote (0 when that total is 0).
    /// </summary>
    /// <param name="neighbors">The query's neighbours, nearest first.</param>
    /// <param name="labelName">Maps a neighbour's label index to its name in <paramref name="taxonomy"/>.</param>
    /// <param name="taxonomy">The tree of names; names it does not know are root-level leaves.</param>
    /// <param name="options">The aggregation that weighs each neighbour.</param>
    public static IReadOnlyList<LevelPrediction> DescendantVotes(
        ReadOnlySpan<Neighbor> neighbors, Func<int, string> labelName, LabelTaxonomy taxonomy, AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var weights = NeighborWeights.Compute(neighbors, options);
        var paths = PathsOf(neighbors, labelName, taxonomy);
        var result = new List<LevelPrediction>();
        var members = Enumerable.Range(0, neighbors.Length).ToList();
        for (var depth = 0; ; depth++)
        {
            var groups = GroupAtDepth(members, paths, depth);
            if (groups.Count == 0)
            {
                return result;
            }
            var scores = groups.Select(g => g.Members.Sum(i => weights[i])).ToArray();
            var best = 0;
            for (var g = 1; g < groups.Count; g++)
            {
                // Strictly greater: groups are in order of first appearance, so a tie keeps the nearer one.
                if (scores[g] > scores[best])
                {
                    best = g;
                }
            }
            var total = scores.Sum();
            result.Add(new LevelPrediction(depth, groups[best].Node, scores[best], total > 0 ? scores[best] / total : 0));
            members = groups[best].Members;
        }
    }

    /// <summary>
    /// research.md §1's descent: at each level, for each child c, a two-sample Kolmogorov–Smirnov
    /// test compares the distances (1 − similarity) from the query to the retrieved neighbours whose
    /// label is c or below c with <paramref name="withinNodeDistances"/>[c], a reference sample of
    /// distances among c's own examples; descent goes into the child with the largest p-value.
    /// Only retrieved neighbours stand for c's examples, so k should be large (e.g. 100).
    /// A child is tested only when it has at least <paramref name="minSamples"/> retrieved
    /// neighbours and a non-empty reference sample; an untested child counts as p = 0 and is never
    /// chosen, and descent stops when no child can be tested. A tested child always beats an
    /// untested one, even when its p-value underflows to 0. Ties in p go to the child with more
    /// retrieved neighbours, then to the one whose first neighbour is nearer.
    /// Score is the p-value; confidence the p-value's share of the sum over the competing children
    /// (0 when that sum is 0).
    /// </summary>
    /// <param name="neighbors">The query's neighbours, nearest first.</param>
    /// <param name="labelName">Maps a neighbour's label index to its name in <paramref name="taxonomy"/>.</param>
    /// <param name="taxonomy">The tree of names; names it does not know are root-level leaves.</param>
    /// <param name="withinNodeDistances">Per node name, distances between pairs of its examples (see <see cref="WithinNodeDistances"/>).</param>
    /// <param name="minSamples">Fewest retrieved neighbours a child needs to be tested; at least 1.</param>
    /// <exception cref="ArgumentException">A reference sample contains NaN, or <paramref name="labelName"/> returned null.</exception>
    public static IReadOnlyList<LevelPrediction> KsDescent(
        ReadOnlySpan<Neighbor> neighbors,
        Func<int, string> labelName,
        LabelTaxonomy taxonomy,
        IReadOnlyDictionary<string, double[]> withinNodeDistances,
        int minSamples = 1)
    {
        ArgumentNullException.ThrowIfNull(withinNodeDistances);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        var paths = PathsOf(neighbors, labelName, taxonomy);
        var distances = new double[neighbors.Length];
        for (var i = 0; i < neighbors.Length; i++)
        {
            distances[i] = neighbors[i].Distance;
        }
        var result = new List<LevelPrediction>();
        var members = Enumerable.Range(0, neighbors.Length).ToList();
        for (var depth = 0; ; depth++)
        {
            var groups = GroupAtDepth(members, paths, depth);
            var tested = new bool[groups.Count];
            var p = new double[groups.Count];
            var best = -1;
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                if (group.Members.Count < minSamples
                    || !withinNodeDistances.TryGetValue(group.Node, out var reference)
                    || reference is null
                    || reference.Length == 0)
                {
                    continue;
                }
                var query = group.Members.Select(i => distances[i]).ToArray();
                tested[g] = true;
                p[g] = KolmogorovSmirnov.TwoSample(query, reference).PValue;
                // Groups are in order of first appearance, so keeping the earlier one on a full tie
                // is the nearer-first-neighbour rule.
                if (best < 0
                    || p[g] > p[best]
                    || (p[g] == p[best] && group.Members.Count > groups[best].Members.Count))
                {
                    best = g;
                }
            }
            if (best < 0)
            {
                return result;
            }
            var total = p.Sum();
            result.Add(new LevelPrediction(depth, groups[best].Node, p[best], total > 0 ? p[best] / total : 0));
            members = groups[best].Members;
        }
    }

    private static IReadOnlyList<string>[] PathsOf(ReadOnlySpan<Neighbor> neighbors, Func<int, string> labelName, LabelTaxonomy taxonomy)
    {
        ArgumentNullException.ThrowIfNull(labelName);
        ArgumentNullException.ThrowIfNull(taxonomy);
        var cache = new Dictionary<int, IReadOnlyList<string>>();
        var paths = new IReadOnlyList<string>[neighbors.Length];
        for (var i = 0; i < neighbors.Length; i++)
        {
            var label = neighbors[i].Label;
            if (!cache.TryGetValue(label, out var path))
            {
                var name = labelName(label)
                    ?? throw new ArgumentException($"no name for label {label}", nameof(labelName));
                path = taxonomy.PathFromRoot(name);
                cache.Add(label, path);
            }
            paths[i] = path;
        }
        return paths;
    }

    // The members that lie strictly below the current node, grouped by their ancestor at this
    // depth, groups in order of first appearance (neighbours are nearest first).
    private static List<Group> GroupAtDepth(List<int> members, IReadOnlyList<string>[] paths, int depth)
    {
        var groups = new List<Group>();
        var slotOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in members)
        {
            if (paths[i].Count <= depth)
            {
                continue;
            }
            var node = paths[i][depth];
            if (!slotOf.TryGetValue(node, out var slot))
            {
                slot = groups.Count;
                slotOf.Add(node, slot);
                groups.Add(new Group(node, []));
            }
            groups[slot].Members.Add(i);
        }
        return groups;
    }

    private sealed record Group(string Node, List<int> Members);
}
