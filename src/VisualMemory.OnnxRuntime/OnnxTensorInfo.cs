namespace VisualMemory.OnnxRuntime;

/// <summary>One input or output of an <see cref="OnnxModel"/>: its name, element type and shape.</summary>
/// <param name="Name">The graph's name for the tensor.</param>
/// <param name="ElementType">ONNX element type name, e.g. "Float" (the only one <see cref="OnnxModel.Run"/> takes).</param>
/// <param name="Shape">Dimensions; -1 where the model leaves a dimension free (such as the batch size).</param>
public sealed record OnnxTensorInfo(string Name, string ElementType, IReadOnlyList<int> Shape)
{
    /// <summary>The shape as the model declares it, e.g. "[-1, 3, 8, 8]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
