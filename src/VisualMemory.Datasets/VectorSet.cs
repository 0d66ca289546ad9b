namespace VisualMemory.Datasets;

/// <summary>A row-major matrix of float32 vectors, as read from a vector file.</summary>
/// <param name="Rows">Number of vectors.</param>
/// <param name="Dimension">Components per vector.</param>
/// <param name="Data">Rows * Dimension values.</param>
public sealed record VectorSet(int Rows, int Dimension, float[] Data)
{
    /// <summary>Row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row) => Data.AsSpan(row * Dimension, Dimension);

    /// <summary>Rows [start, start + count) as one span.</summary>
    public ReadOnlySpan<float> Slice(int start, int count) => Data.AsSpan(start * Dimension, count * Dimension);
}
