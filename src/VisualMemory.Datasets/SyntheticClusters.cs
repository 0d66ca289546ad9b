using VisualMemory.Core.Vectors;

namespace VisualMemory.Datasets;

/// <summary>
/// Seeded, L2-normalised Gaussian clusters: realistic enough for recall tests and benchmarks
/// (IVF and PQ behave very differently on clustered and on uniform data), reproducible everywhere.
/// </summary>
public static class SyntheticClusters
{
    /// <summary>
    /// <paramref name="rows"/> vectors around <paramref name="clusters"/> random unit centres; row i
    /// belongs to cluster i % clusters, named "c{cluster}". <paramref name="spread"/> is the noise
    /// standard deviation per component relative to a unit vector's component scale.
    /// </summary>
    public static (VectorSet Vectors, string[] Labels) Generate(int rows, int dimension, int clusters, double spread, int seed)
    {
        var random = new Random(seed);
        var centres = new float[clusters * dimension];
        for (var c = 0; c < clusters; c++)
        {
            var centre = centres.AsSpan(c * dimension, dimension);
            for (var i = 0; i < dimension; i++)
            {
                centre[i] = (float)Gaussian(random);
            }
            VectorMath.NormalizeL2(centre);
        }
        var noise = spread / Math.Sqrt(dimension);
        var data = new float[checked(rows * dimension)];
        var labels = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            var c = r % clusters;
            var row = data.AsSpan(r * dimension, dimension);
            for (var i = 0; i < dimension; i++)
            {
                row[i] = centres[c * dimension + i] + (float)(noise * Gaussian(random));
            }
            VectorMath.NormalizeL2(row);
            labels[r] = $"c{c}";
        }
        return (new VectorSet(rows, dimension, data), labels);
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() avoids log(0).
        var u = 1.0 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}
