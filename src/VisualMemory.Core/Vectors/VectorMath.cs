namespace VisualMemory.Core.Vectors;

/// <summary>Small vector operations shared by ingest, search and evaluation.</summary>
public static class VectorMath
{
    /// <summary>
    /// Scales <paramref name="vector"/> to unit length in place, so that inner product equals cosine
    /// similarity. Returns the original norm; a zero vector is left unchanged and returns 0.
    /// </summary>
    public static double NormalizeL2(Span<float> vector)
    {
        double sum = 0;
        foreach (var x in vector)
        {
            sum += (double)x * x;
        }
        var norm = Math.Sqrt(sum);
        if (norm > 0)
        {
            var scale = (float)(1.0 / norm);
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] *= scale;
            }
        }
        return norm;
    }

    /// <summary>Normalises each row of a row-major matrix of <paramref name="dimension"/> columns.</summary>
    public static void NormalizeRows(Span<float> rows, int dimension)
    {
        for (var offset = 0; offset < rows.Length; offset += dimension)
        {
            NormalizeL2(rows.Slice(offset, dimension));
        }
    }

    /// <summary>Inner product of two vectors of equal length.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("vectors differ in length");
        }
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }
        return sum;
    }
}
