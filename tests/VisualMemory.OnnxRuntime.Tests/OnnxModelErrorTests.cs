namespace VisualMemory.OnnxRuntime.Tests;

/// <summary>Bad models and bad inputs give exceptions that say what is wrong.</summary>
public class OnnxModelErrorTests
{
    [Fact]
    public void Bad_model_bytes_are_invalid_data()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxModel.Load("this is not a protobuf model"u8.ToArray()));

        Assert.Contains("not an ONNX model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_model_file_is_invalid_data()
    {
        var path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, File.ReadAllBytes(TestModels.TinyEmbedder)[..200]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_model_file_and_empty_bytes_are_refused()
    {
        Assert.Throws<FileNotFoundException>(() => OnnxModel.Load("/nonexistent/model.onnx"));
        Assert.Throws<ArgumentException>(() => OnnxModel.Load(Array.Empty<byte>()));
    }

    [Fact]
    public void Unknown_input_name_lists_the_model_inputs()
    {
        using var model = OnnxModel.Load(TestModels.TinyEmbedder);

        var error = Assert.Throws<ArgumentException>(() => model.Run("pixels", new float[192], [1, 3, 8, 8]));

        Assert.Contains("no input 'pixels'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'image' [-1, 3, 8, 8]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1, 192 }, 192, "rank 4")]
    [InlineData(new[] { 1, 3, 16, 4 }, 192, "dimension 2 must be 8")]
    [InlineData(new[] { 2, 3, 8, 8 }, 192, "holds 384 values, data has 192")]
    [InlineData(new[] { 0, 3, 8, 8 }, 0, "must be positive")]
    public void Wrong_shape_says_what_the_model_expects(int[] shape, int length, string says)
    {
        using var model = OnnxModel.Load(TestModels.TinyEmbedder);

        var error = Assert.Throws<ArgumentException>(() => model.Run("image", new float[length], shape));

        Assert.Contains(says, error.Message, StringComparison.Ordinal);
    }
}
