namespace VisualMemory.OnnxRuntime.Tests;

/// <summary>Run output against NumPy's, batching, metadata, concurrency, lifetime.</summary>
public class OnnxModelRunTests
{
    [Fact]
    public void Tiny_embedder_matches_numpy_within_1e5()
    {
        var input = TestModels.Npy("tiny_embedder_input.npy");
        var expected = TestModels.Npy("tiny_embedder_expected.npy");
        using var model = OnnxModel.Load(TestModels.TinyEmbedder);

        var (output, shape) = model.Run("image", input.Data, [input.Rows, 3, 8, 8]);

        Assert.Equal([expected.Rows, expected.Dimension], shape);
        TestModels.AssertClose(expected.Data, output);
    }

    [Fact]
    public void MatMul_matches_numpy_within_1e5()
    {
        var input = TestModels.Npy("matmul_input.npy");
        var expected = TestModels.Npy("matmul_expected.npy");
        using var model = OnnxModel.Load(File.ReadAllBytes(TestModels.MatMul));

        var (output, shape) = model.Run("x", input.Data, [input.Rows, input.Dimension]);

        Assert.Equal([4, 8], shape);
        TestModels.AssertClose(expected.Data, output);
    }

    [Fact]
    public void Batch_of_one_and_batch_of_eight_give_the_same_rows()
    {
        var input = TestModels.Npy("tiny_embedder_input.npy");
        using var model = OnnxModel.Load(TestModels.TinyEmbedder);

        var (batch, _) = model.Run("image", input.Data, [8, 3, 8, 8]);
        for (var row = 0; row < 8; row++)
        {
            var (single, shape) = model.Run("image", TestModels.Rows(input, row, 1), [1, 3, 8, 8]);
            Assert.Equal([1, 16], shape);
            TestModels.AssertClose(batch.AsSpan(row * 16, 16), single, tolerance: 1e-6);
        }
    }

    [Fact]
    public void Exposes_input_and_output_names_and_shapes()
    {
        using var model = OnnxModel.Load(TestModels.TinyEmbedder);

        Assert.Equal(["image"], model.InputNames);
        Assert.Equal(["embedding"], model.OutputNames);
        Assert.Equal([-1, 3, 8, 8], model.Inputs[0].Shape);
        Assert.Equal("[-1, 3, 8, 8]", model.Inputs[0].ShapeText);
        Assert.Equal("Float", model.Inputs[0].ElementType);
        Assert.Equal([-1, 16], model.Outputs[0].Shape);
    }

    [Fact]
    public void Loading_from_a_path_and_from_bytes_gives_the_same_output()
    {
        var input = TestModels.Npy("matmul_input.npy");
        using var fromPath = OnnxModel.Load(TestModels.MatMul);
        using var fromBytes = OnnxModel.Load(File.ReadAllBytes(TestModels.MatMul));

        Assert.Equal(fromPath.Run("x", input.Data, [4, 32]).Output, fromBytes.Run("x", input.Data, [4, 32]).Output);
    }

    [Fact]
    public async Task Concurrent_runs_all_match_numpy()
    {
        var input = TestModels.Npy("tiny_embedder_input.npy");
        var expected = TestModels.Npy("tiny_embedder_expected.npy");
        using var model = OnnxModel.Load(TestModels.TinyEmbedder, new OnnxSettings { IntraOpThreads = 1 });

        var runs = Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            var row = i % 8;
            var (output, _) = model.Run("image", TestModels.Rows(input, row, 1), [1, 3, 8, 8]);
            TestModels.AssertClose(TestModels.Rows(expected, row, 1), output);
        }));
        await Task.WhenAll(runs);
    }

    [Fact]
    public void Run_after_dispose_throws_and_dispose_twice_is_harmless()
    {
        var model = OnnxModel.Load(TestModels.MatMul);
        model.Dispose();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Run("x", new float[32], [1, 32]));
    }

    [Fact]
    public void Native_library_is_onnx_runtime_1_29_0()
    {
        Assert.Equal("1.29.0", OnnxModel.RuntimeVersion);
    }
}
