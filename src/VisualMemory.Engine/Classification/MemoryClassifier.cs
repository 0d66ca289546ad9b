using System.Diagnostics;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Diagnostics;
using VisualMemory.Core.Hierarchy;
using VisualMemory.Core.Linear;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;

namespace VisualMemory.Engine.Classification;

/// <summary>
/// Classify on one memory: search (<see cref="LocalMemory.SearchNormalised"/>), aggregate
/// (<see cref="KnnClassifier"/>), and the optional extras of research.md — explanations, residual
/// query, hierarchical prediction, JOINT-INF with the linear head.
/// </summary>
public static class MemoryClassifier
{
    /// <summary>Classifies one query vector (raw: it is preprocessed here).</summary>
    /// <exception cref="ClassifyRefusedException">The memory is empty, or lacks the taxonomy or linear head the options need.</exception>
    public static ClassifyOutcome Classify(LocalMemory memory, ReadOnlySpan<float> vector, ClassifyOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(options);
        var taxonomy = memory.Taxonomy;
        if (options.Hierarchy is not null && taxonomy is null)
        {
            throw new ClassifyRefusedException($"memory '{memory.Definition.Name}' has no label taxonomy; PUT one first");
        }
        var head = memory.LinearHead;
        if (options.Lambda is not null && head is null)
        {
            throw new ClassifyRefusedException($"memory '{memory.Definition.Name}' has no linear head; train or load one first");
        }
        var query = memory.Preprocess(vector);
        var neighbors = Search(memory, query, options);
        var outcome = Aggregate(memory, query, neighbors, options, head);
        if (options.Hierarchy is { } method)
        {
            var levels = method == HierarchyMethod.KsTest
                ? HierarchicalClassifier.KsDescent(neighbors, i => memory.Labels[i], taxonomy!.Tree, memory.WithinNodeDistances())
                : HierarchicalClassifier.DescendantVotes(neighbors, i => memory.Labels[i], taxonomy!.Tree, options.Aggregation);
            outcome = outcome with { Levels = levels };
        }
        if (options.Residual)
        {
            outcome = outcome with { Residual = ResidualOf(memory, query, neighbors[0], options, head) };
        }
        return outcome;
    }

    private static Neighbor[] Search(LocalMemory memory, float[] query, ClassifyOptions options)
    {
        var neighbors = memory.SearchNormalised(query, options.K, options.NProbe, options.Pruning)[0];
        return neighbors.Length > 0
            ? neighbors
            : throw new ClassifyRefusedException($"memory '{memory.Definition.Name}' holds no items to classify against");
    }

    private static ClassifyOutcome Aggregate(LocalMemory memory, float[] query, Neighbor[] neighbors, ClassifyOptions options, LinearHead? head)
    {
        var aggregateStart = Stopwatch.GetTimestamp();
        var result = KnnClassifier.Classify(neighbors, options.Aggregation);
        StageTiming.Record("aggregate", aggregateStart);
        var explained = options.Explain ? Explain(memory, neighbors, result.Weights) : null;
        if (options.Lambda is not { } lambda)
        {
            return new ClassifyOutcome(
                memory.Labels[result.Label!.Value], result.Confidence,
                result.Scores.ToDictionary(s => memory.Labels[s.Label], s => s.Score), explained, null, null, null);
        }
        // Labels added after the head was trained get no linear probability, only kNN votes.
        var classes = memory.Labels.Count;
        var linear = new float[classes];
        head!.Probabilities(query).AsSpan().CopyTo(linear);
        var knn = JointInference.KnnProbabilities(neighbors, classes, options.Aggregation.Tau);
        var joint = JointInference.Combine(knn, linear, lambda);
        var scores = new Dictionary<string, double>();
        for (var c = 0; c < classes; c++)
        {
            if (joint.Probabilities[c] > 0)
            {
                scores[memory.Labels[c]] = joint.Probabilities[c];
            }
        }
        return new ClassifyOutcome(memory.Labels[joint.Label], joint.Confidence, scores, explained, null, null, lambda);
    }

    // Research.md §1: subtracting the nearest neighbour's feature leaves what the image shows besides it.
    private static ClassifyOutcome? ResidualOf(LocalMemory memory, float[] query, Neighbor nearest, ClassifyOptions options, LinearHead? head)
    {
        if (memory.VectorOf(nearest.Id) is not { } feature)
        {
            return null;
        }
        var residual = new float[query.Length];
        for (var i = 0; i < residual.Length; i++)
        {
            residual[i] = query[i] - feature[i];
        }
        if (!residual.Any(r => Math.Abs(r) > 1e-6f))
        {
            return null;
        }
        Core.Vectors.VectorMath.NormalizeL2(residual);
        return Aggregate(memory, residual, Search(memory, residual, options), options, head);
    }

    private static List<ExplainedNeighbor> Explain(LocalMemory memory, Neighbor[] neighbors, IReadOnlyList<double> weights) =>
        [.. neighbors.Select((n, i) => new ExplainedNeighbor(
            n.Id, memory.Labels[n.Label], n.Similarity, weights[i], n.Reliability,
            memory.TryGetItem(n.Id, out var item) ? memory.SourceName(item) : null))];
}
