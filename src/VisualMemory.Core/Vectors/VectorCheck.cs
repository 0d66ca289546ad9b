namespace VisualMemory.Core.Vectors;

/// <summary>
/// Decides whether a caller's vector can enter the memory or be used as a query. Returns a reason
/// instead of throwing so callers can name the offending field in their own error format.
/// </summary>
public static class VectorCheck
{
    /// <summary>
    /// Null when <paramref name="vector"/> has <paramref name="dimension"/> finite components and a
    /// non-zero norm (it can be L2-normalised); otherwise a sentence saying what is wrong.
    /// </summary>
    public static string? Problem(ReadOnlySpan<float> vector, int dimension)
    {
        if (vector.Length != dimension)
        {
            return $"expected {dimension} components, got {vector.Length}";
        }
        var allZero = true;
        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                return $"component {i} is {vector[i]}; only finite numbers are allowed";
            }
            allZero &= vector[i] == 0;
        }
        return allZero ? "the zero vector has no direction and cannot be normalised" : null;
    }
}
