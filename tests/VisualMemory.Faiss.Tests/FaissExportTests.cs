using VisualMemory.Datasets;
using VisualMemory.Faiss;

namespace VisualMemory.Faiss.Tests;

// Jobs that need vectors back after sealing (pruning, linear heads, residual queries) read them from
// the index: exactly for flat storage, decoded (close, not equal) for PQ.
public class FaissExportTests
{
    private const int Dimension = 16;

    [Theory]
    [InlineData("Flat", 0.0)]
    [InlineData("IVF8,Flat", 0.0)]
    [InlineData("IVF8,PQ8", 0.3)]
    public void Export_and_reconstruct_return_every_vector_under_its_id(string description, double tolerance)
    {
        var (data, _) = SyntheticClusters.Generate(600, Dimension, clusters: 8, spread: 0.4, seed: 5);
        var ids = Enumerable.Range(0, 600).Select(i => (long)i * 3 + 1).ToArray();
        using var index = FaissIndex.Create(Dimension, description);
        if (!index.IsTrained)
        {
            index.Train(data.Data);
        }
        index.Add(data.Data, ids);
        index.Remove([4L, 7L]);

        var (exportedIds, vectors) = index.Export();
        Assert.Equal(ids.Where(i => i is not 4 and not 7), exportedIds.Order());
        for (var p = 0; p < exportedIds.Length; p++)
        {
            var row = (int)(exportedIds[p] - 1) / 3;
            Assert.InRange(Distance(vectors.AsSpan(p * Dimension, Dimension), data.Data.AsSpan(row * Dimension, Dimension)), 0, tolerance + 1e-6);
        }

        var one = index.Reconstruct(1 + 3 * 42);
        Assert.NotNull(one);
        Assert.InRange(Distance(one, data.Data.AsSpan(42 * Dimension, Dimension)), 0, tolerance + 1e-6);
        Assert.Null(index.Reconstruct(4));
        Assert.Null(index.Reconstruct(-5));
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (double)(a[i] - b[i]);
        }
        return Math.Sqrt(sum);
    }
}
