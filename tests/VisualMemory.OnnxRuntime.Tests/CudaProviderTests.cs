using Xunit.Abstractions;

namespace VisualMemory.OnnxRuntime.Tests;

/// <summary>
/// Asking for CUDA where it cannot be used is an error naming what is missing, never a silent CPU run.
/// On a machine with a GPU and scripts/setup-cuda.sh's provider, the default-path test runs on the GPU instead.
/// </summary>
public class CudaProviderTests(ITestOutputHelper output)
{
    [Fact]
    public void Cuda_with_a_missing_provider_path_names_the_path_and_the_setup_script()
    {
        var settings = new OnnxSettings { ExecutionProvider = "cuda", CudaProviderPath = "/nonexistent/libonnxruntime_providers_cuda.so" };

        var error = Assert.Throws<OnnxRuntimeUnavailableException>(() => OnnxModel.Load(TestModels.MatMul, settings));

        Assert.Contains("/nonexistent/libonnxruntime_providers_cuda.so", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/setup-cuda.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("CudaProviderPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_with_a_file_that_is_not_a_provider_library_says_it_could_not_be_loaded()
    {
        var settings = new OnnxSettings { ExecutionProvider = "cuda", CudaProviderPath = TestModels.MatMul };

        var error = Assert.Throws<OnnxRuntimeUnavailableException>(() => OnnxModel.Load(TestModels.MatMul, settings));

        Assert.Contains("could not be loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA 13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_by_default_runs_on_the_gpu_or_says_what_is_missing()
    {
        var input = TestModels.Npy("tiny_embedder_input.npy");
        var expected = TestModels.Npy("tiny_embedder_expected.npy");
        OnnxModel model;
        try
        {
            model = OnnxModel.Load(TestModels.TinyEmbedder, new OnnxSettings { ExecutionProvider = "cuda" });
        }
        catch (OnnxRuntimeUnavailableException error)
        {
            // This machine (no GPU, and usually no provider library): the message says which piece is missing.
            output.WriteLine(error.Message);
            Assert.Matches("libonnxruntime_providers_cuda.so|no CUDA GPU|could not be loaded|could not use CUDA", error.Message);
            Assert.Contains("ExecutionProvider", error.Message, StringComparison.Ordinal);
            return;
        }
        using (model)
        {
            var (embeddings, _) = model.Run("image", input.Data, [8, 3, 8, 8]);
            TestModels.AssertClose(expected.Data, embeddings, tolerance: 1e-4);
            output.WriteLine("ran on CUDA");
        }
    }
}
