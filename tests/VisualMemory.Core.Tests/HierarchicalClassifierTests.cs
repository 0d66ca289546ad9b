using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Hierarchy;
using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

// The taxonomy is LabelTaxonomyTests.Animals(): animal → {bird → sparrow, mammal → {cat, dog}}, plant → tree.
public class HierarchicalClassifierTests
{
    private static readonly string[] Names = ["cat", "dog", "sparrow", "tree", "fungus", "mammal"];
    private const int Cat = 0, Dog = 1, Sparrow = 2, Tree = 3, Fungus = 4, Mammal = 5;
    private static readonly LabelTaxonomy Taxonomy = LabelTaxonomyTests.Animals();
    private static readonly AggregationOptions Plurality = new(AggregationKind.Plurality);
    private static readonly AggregationOptions Rank = new(AggregationKind.Rank);

    private static string Name(int label) => Names[label];

    private static Neighbor N(int label, float similarity, float reliability = 1f) => new(0, label, similarity, reliability);

    private static readonly Neighbor[] Mixed = [N(Cat, 0.9f), N(Sparrow, 0.85f), N(Dog, 0.8f), N(Tree, 0.7f), N(Dog, 0.6f)];

    [Fact]
    public void Plurality_votes_descend_to_the_leaf_with_most_votes()
    {
        var path = HierarchicalClassifier.DescendantVotes(Mixed, Name, Taxonomy, Plurality);
        // animal 4 of 5; mammal 3 of 4 (bird 1); dog 2 of 3 (cat 1).
        Assert.Equal(
            [new LevelPrediction(0, "animal", 4, 0.8), new LevelPrediction(1, "mammal", 3, 0.75), new LevelPrediction(2, "dog", 2, 2.0 / 3)],
            path);
    }

    [Fact]
    public void Rank_votes_can_pick_another_leaf()
    {
        // Weights 1/2, 1/3, 1/4, 1/5, 1/6: animal 1.25 vs plant 0.2; mammal 11/12 vs bird 1/3; cat 1/2 vs dog 5/12.
        var path = HierarchicalClassifier.DescendantVotes(Mixed, Name, Taxonomy, Rank);
        Assert.Equal(["animal", "mammal", "cat"], path.Select(p => p.Node));
        Assert.Equal(1.25 / 1.45, path[0].Confidence, 12);
        Assert.Equal(11.0 / 12 / 1.25, path[1].Confidence, 12);
        Assert.Equal(0.5, path[2].Score, 12);
        Assert.Equal(6.0 / 11, path[2].Confidence, 12);
    }

    [Fact]
    public void Vote_ties_go_to_the_child_seen_first()
    {
        var path = HierarchicalClassifier.DescendantVotes([N(Dog, 0.9f), N(Cat, 0.8f)], Name, Taxonomy, Plurality);
        Assert.Equal("dog", path[^1].Node);
        Assert.Equal(0.5, path[^1].Confidence);
        var reversed = HierarchicalClassifier.DescendantVotes([N(Cat, 0.9f), N(Dog, 0.8f)], Name, Taxonomy, Plurality);
        Assert.Equal("cat", reversed[^1].Node);
    }

    [Fact]
    public void Reliability_scales_each_vote()
    {
        var path = HierarchicalClassifier.DescendantVotes([N(Cat, 0.9f, 0.1f), N(Dog, 0.8f)], Name, Taxonomy, Plurality);
        Assert.Equal("dog", path[2].Node);
        // 0.1f is not exactly 0.1, hence the looser tolerance.
        Assert.Equal(1.0 / 1.1, path[2].Confidence, 6);
        Assert.Equal(1.1, path[0].Score, 6);
    }

    [Fact]
    public void Descent_stops_where_no_neighbour_lies_below()
    {
        // Samples labelled with the inner node "mammal" say nothing about cat versus dog.
        var path = HierarchicalClassifier.DescendantVotes([N(Mammal, 0.9f), N(Mammal, 0.8f), N(Sparrow, 0.7f)], Name, Taxonomy, Plurality);
        Assert.Equal(["animal", "mammal"], path.Select(p => p.Node));
        Assert.Equal(2.0 / 3, path[1].Confidence, 12);
    }

    [Fact]
    public void Unknown_labels_compete_at_the_root_level()
    {
        var path = HierarchicalClassifier.DescendantVotes([N(Fungus, 0.9f), N(Fungus, 0.8f), N(Tree, 0.7f)], Name, Taxonomy, Plurality);
        Assert.Equal([new LevelPrediction(0, "fungus", 2, 2.0 / 3)], path);
    }

    [Fact]
    public void No_neighbours_give_an_empty_path()
    {
        Assert.Empty(HierarchicalClassifier.DescendantVotes([], Name, Taxonomy, Plurality));
        Assert.Empty(HierarchicalClassifier.KsDescent([], Name, Taxonomy, new Dictionary<string, double[]>()));
    }

    // Expected p-values from the pure-Python KS reference described in KolmogorovSmirnovTests,
    // fed the float32 similarities' distances.
    [Fact]
    public void Ks_descent_follows_the_largest_p_value_at_each_level()
    {
        Neighbor[] neighbors = [N(Cat, 0.90f), N(Tree, 0.88f), N(Cat, 0.86f), N(Dog, 0.80f), N(Dog, 0.78f), N(Sparrow, 0.75f), N(Cat, 0.70f)];
        var reference = new Dictionary<string, double[]>
        {
            ["animal"] = [0.05, 0.12, 0.18, 0.22, 0.27, 0.31],
            ["plant"] = [.. Enumerable.Range(0, 10).Select(i => 0.40 + i / 100.0)],
            ["mammal"] = [0.1, 0.15, 0.2, 0.25],
            ["bird"] = [0.5, 0.6, 0.7, 0.8],
            ["cat"] = [0.1, 0.2, 0.3],
            // "dog" has no reference sample, so it is not tested.
        };
        var path = HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, reference);
        Assert.Equal(["animal", "mammal", "cat"], path.Select(p => p.Node));
        Assert.Equal([0, 1, 2], path.Select(p => p.Depth));
        // animal: D = 1/6, p = 1; plant: one distance below all ten references, p = 2/11.
        Assert.Equal(1.0, path[0].Score, 12);
        Assert.Equal(1 / (1 + 2.0 / 11), path[0].Confidence, 12);
        // mammal: D = 1/4, p = 0.9920634920634921; bird: D = 1, p = 2/5.
        Assert.Equal(0.9920634920634921, path[1].Score, 12);
        Assert.Equal(0.9920634920634921 / (0.9920634920634921 + 0.4), path[1].Confidence, 12);
        // cat: D = 1/3, p = 1; dog is untested (p = 0), so cat holds the whole confidence.
        Assert.Equal("cat", path[2].Node);
        Assert.Equal(1.0, path[2].Score, 12);
        Assert.Equal(1.0, path[2].Confidence, 12);
    }

    [Fact]
    public void Ks_descent_prefers_matching_distributions_over_vote_counts_and_stops_without_references()
    {
        Neighbor[] neighbors = [N(Cat, 0.9f), N(Cat, 0.89f), N(Cat, 0.88f), N(Tree, 0.7f)];
        var reference = new Dictionary<string, double[]> { ["animal"] = [0.5, 0.6, 0.7], ["plant"] = [0.29, 0.31] };
        var path = HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, reference);
        // animal: three distances below three references, D = 1, p = 2/C(6,3) = 0.1; plant: D = 1/2, p = 1.
        // "tree" has no reference, so descent ends at plant.
        Assert.Equal(["plant"], path.Select(p => p.Node));
        Assert.Equal(1.0, path[0].Score, 12);
        Assert.Equal(1 / 1.1, path[0].Confidence, 12);
    }

    [Fact]
    public void Ks_ties_go_to_more_neighbours_then_to_the_nearer_first_neighbour()
    {
        // animal: one distance vs one reference, p = 1. plant: [0.15, 0.3] vs [0.2], p = 1 with two neighbours.
        var more = HierarchicalClassifier.KsDescent(
            [N(Sparrow, 0.9f), N(Tree, 0.85f), N(Tree, 0.7f)], Name, Taxonomy,
            new Dictionary<string, double[]> { ["animal"] = [0.5], ["plant"] = [0.2] });
        Assert.Equal("plant", more[0].Node);
        Assert.Equal(0.5, more[0].Confidence, 12);

        var nearer = HierarchicalClassifier.KsDescent(
            [N(Sparrow, 0.9f), N(Tree, 0.85f)], Name, Taxonomy,
            new Dictionary<string, double[]> { ["animal"] = [0.5], ["plant"] = [0.5] });
        Assert.Equal("animal", nearer[0].Node);
    }

    [Fact]
    public void Children_with_too_few_neighbours_are_not_tested()
    {
        var reference = new Dictionary<string, double[]> { ["animal"] = [0.5], ["plant"] = [0.2] };
        Neighbor[] neighbors = [N(Sparrow, 0.9f), N(Sparrow, 0.88f), N(Tree, 0.85f)];
        Assert.Equal("plant", HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, reference)[0].Node);
        // With minSamples 2 plant (one neighbour) is untested: animal, two distances below its one
        // reference (D = 1, p = 2/3), wins and takes the whole confidence.
        var path = HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, reference, minSamples: 2);
        Assert.Equal(["animal"], path.Select(p => p.Node));
        Assert.Equal(2.0 / 3, path[0].Score, 12);
        Assert.Equal(1.0, path[0].Confidence, 12);
        Assert.Empty(HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, new Dictionary<string, double[]>()));
        Assert.Empty(HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, new Dictionary<string, double[]> { ["animal"] = [] }));
    }

    [Fact]
    public void A_tested_child_whose_p_underflows_still_beats_an_untested_one()
    {
        // 1000 distances of 0.9 against 1000 references of 0.1: D = 1, λ ≈ 22.5, Q(λ) underflows to 0.
        var neighbors = Enumerable.Repeat(N(Fungus, 0.1f), 1000).Append(N(Tree, 0.05f)).ToArray();
        var reference = new Dictionary<string, double[]> { ["fungus"] = [.. Enumerable.Repeat(0.1, 1000)] };
        var path = HierarchicalClassifier.KsDescent(neighbors, Name, Taxonomy, reference);
        Assert.Equal([new LevelPrediction(0, "fungus", 0, 0)], path);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var reference = new Dictionary<string, double[]>();
        Assert.Throws<ArgumentOutOfRangeException>(() => HierarchicalClassifier.KsDescent(Mixed, Name, Taxonomy, reference, minSamples: 0));
        Assert.Throws<ArgumentNullException>(() => HierarchicalClassifier.KsDescent(Mixed, null!, Taxonomy, reference));
        Assert.Throws<ArgumentNullException>(() => HierarchicalClassifier.KsDescent(Mixed, Name, null!, reference));
        Assert.Throws<ArgumentNullException>(() => HierarchicalClassifier.KsDescent(Mixed, Name, Taxonomy, null!));
        Assert.Throws<ArgumentNullException>(() => HierarchicalClassifier.DescendantVotes(Mixed, Name, Taxonomy, null!));
        Assert.Throws<ArgumentException>(() => HierarchicalClassifier.DescendantVotes(Mixed, _ => null!, Taxonomy, Plurality));
    }
}
