namespace VisualMemory.OnnxRuntime.Tests;

/// <summary>Settings are applied without error and give the same numbers; invalid ones are named.</summary>
public class OnnxSettingsTests
{
    [Theory]
    [InlineData("disabled", 1, 1)]
    [InlineData("basic", 2, 1)]
    [InlineData("extended", 1, 2)]
    [InlineData("ALL", 0, 0)]
    public void Optimisation_level_and_thread_counts_are_applied(string level, int intraOp, int interOp)
    {
        var input = TestModels.Npy("tiny_embedder_input.npy");
        var expected = TestModels.Npy("tiny_embedder_expected.npy");
        var settings = new OnnxSettings { GraphOptimizationLevel = level, IntraOpThreads = intraOp, InterOpThreads = interOp };
        using var model = OnnxModel.Load(TestModels.TinyEmbedder, settings);

        var (output, _) = model.Run("image", input.Data, [8, 3, 8, 8]);

        Assert.Same(settings, model.Settings);
        TestModels.AssertClose(expected.Data, output);
    }

    [Theory]
    [InlineData("fastest", 0, 0, "cpu", "GraphOptimizationLevel")]
    [InlineData("all", -1, 0, "cpu", "IntraOpThreads")]
    [InlineData("all", 0, -2, "cpu", "InterOpThreads")]
    [InlineData("all", 0, 0, "tensorrt", "ExecutionProvider")]
    public void Invalid_settings_are_refused_naming_the_setting(string level, int intraOp, int interOp, string provider, string named)
    {
        var settings = new OnnxSettings { GraphOptimizationLevel = level, IntraOpThreads = intraOp, InterOpThreads = interOp, ExecutionProvider = provider };

        var error = Assert.Throws<ArgumentException>(() => OnnxModel.Load(TestModels.MatMul, settings));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
