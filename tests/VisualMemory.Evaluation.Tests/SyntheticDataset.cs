using VisualMemory.Datasets;
using VisualMemory.Evaluation.Data;

namespace VisualMemory.Evaluation.Tests;

/// <summary>Small labelled datasets from seeded Gaussian clusters: the first rows train, the rest test (same centres).</summary>
internal static class SyntheticDataset
{
    public static LabelledDataset Create(int train = 600, int test = 120, int dimension = 16, int clusters = 4, double spread = 1.2, int seed = 3)
    {
        var (vectors, labels) = SyntheticClusters.Generate(train + test, dimension, clusters, spread, seed);
        return new LabelledDataset(
            "synthetic",
            vectors.Data[..(train * dimension)], labels[..train],
            vectors.Data[(train * dimension)..], labels[train..],
            dimension);
    }
}
