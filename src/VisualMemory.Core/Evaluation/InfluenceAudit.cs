using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Evaluation;

/// <summary>
/// The privacy audit of research.md §2: a memory item is non-private when removing it changes the
/// prediction of at least one test query. Items are removed one at a time (the memory always
/// lacks exactly one item); the effect of removing several together is not measured.
/// </summary>
/// <remarks>
/// Exact without searching again: removing item i only changes queries whose top k contains i,
/// and for such a query the new top k is the old top k + 1 with i taken out. So one search per
/// query with k + 1 neighbours suffices, and each query costs k re-classifications of k
/// neighbours; items outside every top k are never examined.
/// </remarks>
public static class InfluenceAudit
{
    /// <summary>Audits every memory item that appears in some query's top <paramref name="k"/>.</summary>
    /// <param name="neighbors">
    /// Per test query, its neighbours nearest first: at least min(k + 1, memory size) of them,
    /// the one beyond k being the spare that moves up when an item is removed (more are ignored).
    /// </param>
    /// <param name="truth">Per test query, its true label index.</param>
    /// <param name="k">Neighbours that vote; at least 1.</param>
    /// <param name="options">The aggregation under audit.</param>
    /// <param name="memorySize">Items in the memory; at least 1 and not less than the distinct items seen.</param>
    public static InfluenceAuditResult Run(
        IReadOnlyList<Neighbor[]> neighbors, IReadOnlyList<int> truth, int k, AggregationOptions options, long memorySize)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(memorySize, 1);
        var problem = options.Problem();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (neighbors.Count != truth.Count || neighbors.Count == 0)
        {
            throw new ArgumentException("need one true label per query and at least one query");
        }
        var required = (int)Math.Min(k + 1L, memorySize);
        var candidates = new HashSet<long>();
        var tallies = new Dictionary<long, ItemInfluence>();
        var removedThisQuery = new HashSet<long>();
        Neighbor[] without = [];
        for (var q = 0; q < neighbors.Count; q++)
        {
            var list = neighbors[q] ?? throw new ArgumentException($"query {q} has no neighbour list", nameof(neighbors));
            if (list.Length < required)
            {
                throw new ArgumentException(
                    $"query {q} has {list.Length} neighbours; the audit needs {required} (k + 1, or the whole memory when smaller)", nameof(neighbors));
            }
            var window = list.AsSpan(0, (int)Math.Min(k + 1L, list.Length));
            var topK = window[..Math.Min(k, window.Length)];
            // Grown to the longest list seen rather than allocated at k, which may be far larger.
            if (without.Length < topK.Length)
            {
                without = new Neighbor[topK.Length];
            }
            var before = KnnClassifier.Classify(topK, options).Label;
            var wasCorrect = before == truth[q];
            removedThisQuery.Clear();
            foreach (var removed in topK)
            {
                candidates.Add(removed.Id);
                // A list should not repeat an id; if it does, removing the item removes every copy, once.
                if (!removedThisQuery.Add(removed.Id))
                {
                    continue;
                }
                var count = 0;
                foreach (var neighbour in window)
                {
                    if (neighbour.Id != removed.Id && count < k)
                    {
                        without[count++] = neighbour;
                    }
                }
                var after = KnnClassifier.Classify(without.AsSpan(0, count), options).Label;
                if (after == before)
                {
                    continue;
                }
                var isCorrect = after == truth[q];
                var tally = tallies.GetValueOrDefault(removed.Id) ?? new ItemInfluence(removed.Id, 0, 0, 0);
                tallies[removed.Id] = tally with
                {
                    ChangedPredictions = tally.ChangedPredictions + 1,
                    CorrectToWrong = tally.CorrectToWrong + (wasCorrect && !isCorrect ? 1 : 0),
                    WrongToCorrect = tally.WrongToCorrect + (!wasCorrect && isCorrect ? 1 : 0),
                };
            }
        }
        if (candidates.Count > memorySize)
        {
            throw new ArgumentOutOfRangeException(nameof(memorySize), memorySize, $"the neighbour lists hold {candidates.Count} distinct items, more than the memory");
        }
        var influential = tallies.Values.OrderByDescending(t => t.ChangedPredictions).ThenBy(t => t.Id).ToArray();
        return new InfluenceAuditResult(influential, neighbors.Count, candidates.Count, memorySize);
    }
}
