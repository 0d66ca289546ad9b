using VisualMemory.Datasets;

namespace VisualMemory.Engine.Tests;

/// <summary>
/// <see cref="SyntheticClusters.GenerateRange"/>, which the bulk-load benchmark streams chunks from: a row
/// is the same however the stream is cut, and rows are unit vectors labelled by their cluster.
/// </summary>
public class SyntheticClustersRangeTests
{
    [Fact]
    public void Rows_do_not_depend_on_how_the_stream_is_cut()
    {
        var (whole, wholeLabels) = SyntheticClusters.GenerateRange(0, 100, 8, clusters: 7, spread: 0.5, seed: 3);
        var (head, headLabels) = SyntheticClusters.GenerateRange(0, 37, 8, clusters: 7, spread: 0.5, seed: 3);
        var (tail, tailLabels) = SyntheticClusters.GenerateRange(37, 63, 8, clusters: 7, spread: 0.5, seed: 3);

        Assert.Equal(whole.Data, head.Data.Concat(tail.Data).ToArray());
        Assert.Equal(wholeLabels, headLabels.Concat(tailLabels).ToArray());
        Assert.Equal("c3", wholeLabels[52]);
        Assert.All(Enumerable.Range(0, 100), r => Assert.Equal(1.0, Math.Sqrt(Core.Vectors.VectorMath.Dot(whole.Row(r), whole.Row(r))), 5));
        Assert.NotEqual(whole.Data, SyntheticClusters.GenerateRange(0, 100, 8, clusters: 7, spread: 0.5, seed: 4).Vectors.Data);
    }
}
