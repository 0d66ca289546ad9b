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
        var centres = Centres(random, clusters, dimension);
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

    /// <summary>
    /// Rows <paramref name="firstRow"/> .. <paramref name="firstRow"/> + <paramref name="rows"/> - 1 of an
    /// unbounded stream around the same centres as <see cref="Generate"/> with the same seed; row i
    /// belongs to cluster i % clusters ("c{cluster}") and its noise depends only on (seed, i), so a
    /// dataset far larger than memory can be produced chunk by chunk, identically however it is cut.
    /// (The noise differs from <see cref="Generate"/>'s, which draws all rows from one generator.)
    /// </summary>
    public static (VectorSet Vectors, string[] Labels) GenerateRange(long firstRow, int rows, int dimension, int clusters, double spread, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        var random = new Random(seed);
        var centres = Centres(random, clusters, dimension);
        var noise = spread / Math.Sqrt(dimension);
        var data = new float[checked(rows * dimension)];
        var labels = new string[rows];
        for (var r = 0; r < rows; r++)
        {
            var index = firstRow + r;
            var c = (int)(index % clusters);
            var rowRandom = new Random(RowSeed(seed, index));
            var row = data.AsSpan(r * dimension, dimension);
            for (var i = 0; i < dimension; i++)
            {
                row[i] = centres[c * dimension + i] + (float)(noise * Gaussian(rowRandom));
            }
            VectorMath.NormalizeL2(row);
            labels[r] = $"c{c}";
        }
        return (new VectorSet(rows, dimension, data), labels);
    }

    /// <summary>
    /// Like <see cref="GenerateRange(long, int, int, int, double, int)"/>, but with the structure real embeddings
    /// have: each row varies around its cluster's centre along a shared <paramref name="latentDimension"/>-dimensional
    /// subspace (Gaussian, scale <paramref name="spread"/>), plus a little uniform noise in every component
    /// (scale <paramref name="spread"/> / 10). Isotropic Gaussian noise in 768 dimensions makes every point about
    /// as far from every other, so nearest neighbours mean little and approximate search looks worse than it
    /// does on image embeddings, whose intrinsic dimension is far below their width.
    /// </summary>
    public static (VectorSet Vectors, string[] Labels) GenerateRange(long firstRow, int rows, int dimension, int clusters, double spread, int seed, int latentDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThan(latentDimension, 1);
        var random = new Random(seed);
        var centres = Centres(random, clusters, dimension);
        // The subspace: latentDimension random directions, drawn after the centres from the same generator.
        var basis = new float[latentDimension * dimension];
        for (var i = 0; i < basis.Length; i++)
        {
            basis[i] = (float)(Gaussian(random) / Math.Sqrt(dimension));
        }
        var scale = (float)(spread / Math.Sqrt(latentDimension));
        var uniform = (float)(spread / 10 / Math.Sqrt(dimension) * Math.Sqrt(3));
        var data = new float[checked(rows * dimension)];
        var labels = new string[rows];
        var z = new float[latentDimension];
        for (var r = 0; r < rows; r++)
        {
            var index = firstRow + r;
            var c = (int)(index % clusters);
            var rowRandom = new Random(RowSeed(seed, index));
            for (var j = 0; j < latentDimension; j++)
            {
                z[j] = scale * (float)Gaussian(rowRandom);
            }
            var row = data.AsSpan(r * dimension, dimension);
            centres.AsSpan(c * dimension, dimension).CopyTo(row);
            for (var j = 0; j < latentDimension; j++)
            {
                var direction = basis.AsSpan(j * dimension, dimension);
                for (var i = 0; i < dimension; i++)
                {
                    row[i] += z[j] * direction[i];
                }
            }
            for (var i = 0; i < dimension; i++)
            {
                row[i] += uniform * (2 * rowRandom.NextSingle() - 1);
            }
            VectorMath.NormalizeL2(row);
            labels[r] = $"c{c}";
        }
        return (new VectorSet(rows, dimension, data), labels);
    }

    // Draws the unit centres first from the generator, as Generate always has.
    private static float[] Centres(Random random, int clusters, int dimension)
    {
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
        return centres;
    }

    // SplitMix64 of (seed, row): the same on every run and platform (HashCode.Combine is randomised per process).
    private static int RowSeed(int seed, long row)
    {
        var z = unchecked(((ulong)(uint)seed << 40) ^ (ulong)row) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller; 1 - NextDouble() avoids log(0).
        var u = 1.0 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }
}
