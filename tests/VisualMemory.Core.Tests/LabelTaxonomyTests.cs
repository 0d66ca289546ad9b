using VisualMemory.Core.Hierarchy;

namespace VisualMemory.Core.Tests;

public class LabelTaxonomyTests
{
    // animal ─ mammal ─ cat, dog
    //        └ bird ─ sparrow
    // plant ─ tree            ("plant" appears only as a parent: an implicit root-level node)
    internal static LabelTaxonomy Animals() => new(new Dictionary<string, string?>
    {
        ["animal"] = null,
        ["mammal"] = "animal",
        ["bird"] = "animal",
        ["dog"] = "mammal",
        ["cat"] = "mammal",
        ["sparrow"] = "bird",
        ["tree"] = "plant",
    });

    [Fact]
    public void Structure_is_read_back_in_ordinal_order()
    {
        var t = Animals();
        Assert.Equal(["animal", "plant"], t.Roots);
        Assert.Equal(t.Roots, t.Children(LabelTaxonomy.VirtualRoot));
        Assert.Equal(["bird", "mammal"], t.Children("animal"));
        Assert.Equal(["cat", "dog"], t.Children("mammal"));
        Assert.Empty(t.Children("cat"));
        Assert.Equal("mammal", t.Parent("dog"));
        Assert.Null(t.Parent("animal"));
        Assert.Null(t.Parent("plant"));
        Assert.Equal(["animal", "bird", "cat", "dog", "mammal", "plant", "sparrow", "tree"], t.Nodes);
        Assert.True(t.IsLeaf("sparrow"));
        Assert.False(t.IsLeaf("bird"));
    }

    [Fact]
    public void Depths_and_paths_count_root_level_nodes_as_depth_zero()
    {
        var t = Animals();
        Assert.Equal(0, t.Depth("animal"));
        Assert.Equal(2, t.Depth("cat"));
        Assert.Equal(1, t.Depth("tree"));
        Assert.Equal(-1, t.Depth(LabelTaxonomy.VirtualRoot));
        Assert.Equal(2, t.MaxDepth);
        Assert.Equal(["animal", "mammal", "cat"], t.PathFromRoot("cat"));
        Assert.Equal(["plant"], t.PathFromRoot("plant"));
        Assert.Empty(t.PathFromRoot(LabelTaxonomy.VirtualRoot));
    }

    [Fact]
    public void Ancestor_at_depth_is_null_below_the_node()
    {
        var t = Animals();
        Assert.Equal("animal", t.AncestorAtDepth("sparrow", 0));
        Assert.Equal("bird", t.AncestorAtDepth("sparrow", 1));
        Assert.Equal("sparrow", t.AncestorAtDepth("sparrow", 2));
        Assert.Null(t.AncestorAtDepth("sparrow", 3));
        Assert.Null(t.AncestorAtDepth("bird", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.AncestorAtDepth("bird", -1));
    }

    [Fact]
    public void Descendants_are_pre_order_and_include_the_node()
    {
        var t = Animals();
        Assert.Equal(["animal", "bird", "sparrow", "mammal", "cat", "dog"], t.Descendants("animal"));
        Assert.Equal(["dog"], t.Descendants("dog"));
        Assert.Equal(["", "animal", "bird", "sparrow", "mammal", "cat", "dog", "plant", "tree"], t.Descendants(LabelTaxonomy.VirtualRoot));
    }

    [Fact]
    public void Ancestry_checks_the_path_only()
    {
        var t = Animals();
        Assert.True(t.IsAncestorOrSelf("animal", "cat"));
        Assert.True(t.IsAncestorOrSelf("mammal", "cat"));
        Assert.True(t.IsAncestorOrSelf("cat", "cat"));
        Assert.True(t.IsAncestorOrSelf(LabelTaxonomy.VirtualRoot, "cat"));
        Assert.False(t.IsAncestorOrSelf("bird", "cat"));
        Assert.False(t.IsAncestorOrSelf("cat", "mammal"));
        Assert.False(t.IsAncestorOrSelf("plant", "cat"));
    }

    [Fact]
    public void Unknown_names_are_root_level_leaves()
    {
        var t = Animals();
        Assert.False(t.Contains("fungus"));
        Assert.Null(t.Parent("fungus"));
        Assert.Empty(t.Children("fungus"));
        Assert.Equal(0, t.Depth("fungus"));
        Assert.Equal(["fungus"], t.PathFromRoot("fungus"));
        Assert.Equal("fungus", t.AncestorAtDepth("fungus", 0));
        Assert.Equal(["fungus"], t.Descendants("fungus"));
        Assert.True(t.IsAncestorOrSelf("fungus", "fungus"));
        Assert.False(t.IsAncestorOrSelf("animal", "fungus"));
    }

    [Fact]
    public void An_empty_taxonomy_makes_every_label_a_root_level_leaf()
    {
        var t = new LabelTaxonomy(new Dictionary<string, string?>());
        Assert.Empty(t.Roots);
        Assert.Equal(0, t.MaxDepth);
        Assert.Equal(["x"], t.PathFromRoot("x"));
    }

    [Theory]
    [InlineData("a", "a", null, null, "'a' is its own parent")]
    [InlineData("", null, null, null, "a node name is empty")]
    [InlineData("a", " ", null, null, "the parent of 'a' is empty")]
    [InlineData("a", "b", "b", "a", "form a cycle: a → b → a")]
    public void Problems_are_named(string child1, string? parent1, string? child2, string? parent2, string expected)
    {
        var map = new Dictionary<string, string?> { [child1] = parent1 };
        if (child2 is not null)
        {
            map[child2] = parent2;
        }
        Assert.Contains(expected, LabelTaxonomy.Problem(map));
        var error = Assert.Throws<ArgumentException>(() => new LabelTaxonomy(map));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_long_cycle_hanging_below_a_tree_is_found()
    {
        var map = new Dictionary<string, string?>
        {
            ["leaf"] = "x",
            ["x"] = "y",
            ["y"] = "z",
            ["z"] = "x",
            ["ok"] = null,
        };
        Assert.Equal("the parents of 'x' form a cycle: x → y → z → x", LabelTaxonomy.Problem(map));
        Assert.Null(LabelTaxonomy.Problem(new Dictionary<string, string?> { ["a"] = "b", ["b"] = "c", ["d"] = "c" }));
    }

    [Fact]
    public void Null_arguments_are_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => new LabelTaxonomy(null!));
        Assert.Throws<ArgumentNullException>(() => Animals().Children(null!));
        Assert.Throws<ArgumentNullException>(() => Animals().Depth(null!));
    }
}
