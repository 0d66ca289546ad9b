using VisualMemory.Core.Search;

namespace VisualMemory.Core.Tests;

public class TopKMergerTests
{
    [Fact]
    public void Merges_sorted_lists_into_the_global_top_k()
    {
        Neighbor[] a = [new(1, 0, 0.9f), new(2, 0, 0.5f)];
        Neighbor[] b = [new(3, 1, 0.8f), new(4, 1, 0.7f), new(5, 1, 0.1f)];
        var merged = TopKMerger.Merge([a, b, []], 3);
        Assert.Equal([1L, 3L, 4L], merged.Select(n => n.Id));
    }

    [Fact]
    public void Equal_similarities_are_ordered_by_id_whatever_the_list_order()
    {
        Neighbor[] a = [new(9, 0, 0.5f)];
        Neighbor[] b = [new(2, 0, 0.5f)];
        Assert.Equal([2L, 9L], TopKMerger.Merge([a, b], 2).Select(n => n.Id));
        Assert.Equal([2L, 9L], TopKMerger.Merge([b, a], 2).Select(n => n.Id));
    }

    [Fact]
    public void An_id_appearing_twice_is_kept_once_at_its_best_position()
    {
        Neighbor[] a = [new(1, 0, 0.9f), new(2, 0, 0.3f)];
        Neighbor[] b = [new(1, 0, 0.6f), new(3, 0, 0.5f)];
        Assert.Equal([1L, 3L, 2L], TopKMerger.Merge([a, b], 5).Select(n => n.Id));
    }

    [Fact]
    public void Returns_fewer_than_k_when_the_inputs_hold_fewer()
    {
        Assert.Single(TopKMerger.Merge([[new Neighbor(1, 0, 0.1f)]], 10));
        Assert.Empty(TopKMerger.Merge([], 10));
    }

    [Fact]
    public void Agrees_with_sorting_everything_on_random_lists()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var all = Enumerable.Range(0, 200)
                .Select(i => new Neighbor(i, 0, MathF.Round((float)random.NextDouble(), 2)))
                .ToArray();
            var lists = all.GroupBy(n => n.Id % 5)
                .Select(g => (IReadOnlyList<Neighbor>)[.. g.Order(NeighborOrder.Instance)])
                .ToList();
            var expected = all.Order(NeighborOrder.Instance).Take(17).Select(n => n.Id);
            Assert.Equal(expected, TopKMerger.Merge(lists, 17).Select(n => n.Id));
        }
    }
}
