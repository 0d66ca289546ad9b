using VisualMemory.Datasets;

namespace VisualMemory.OnnxRuntime.Tests;

/// <summary>The models and NumPy arrays scripts/models/make_test_models.py wrote into TestData.</summary>
internal static class TestModels
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData");

    public static string TinyEmbedder => Path.Combine(Directory, "tiny_embedder.onnx");

    public static string MatMul => Path.Combine(Directory, "matmul.onnx");

    public static VectorSet Npy(string name) => NpyFile.Read(Path.Combine(Directory, name));

    /// <summary>Rows [start, start + count) of a [N, D] set, flattened.</summary>
    public static float[] Rows(VectorSet set, int start, int count) =>
        set.Data.AsSpan(start * set.Dimension, count * set.Dimension).ToArray();

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
