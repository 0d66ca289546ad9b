using VisualMemory.Core.Validation;

namespace VisualMemory.Embedding.Models;

/// <summary>
/// How images become a model's input and how its output becomes an embedding: what must match exactly
/// between the vectors in a memory and the queries against it. Images are resized so their shorter side
/// is <see cref="ResizeShorterSide"/>, centre-cropped to <see cref="CropSize"/>, scaled to [0, 1], then
/// normalised per channel: (x − mean) / std.
/// </summary>
/// <param name="Name">The model's name (a preset's, or the operator's).</param>
/// <param name="Dimension">Length of the embedding it outputs.</param>
/// <param name="ResizeShorterSide">The shorter side after resizing (bicubic), before the crop.</param>
/// <param name="CropSize">Side of the centred square crop fed to the model.</param>
/// <param name="Mean">Per-channel mean, in <see cref="Channels"/> order, on the [0, 1] scale.</param>
/// <param name="Std">Per-channel standard deviation, in <see cref="Channels"/> order.</param>
/// <param name="Channels">Channel order of the input tensor.</param>
/// <param name="InputName">The ONNX graph's input (float32 [N, 3, CropSize, CropSize]).</param>
/// <param name="OutputName">The ONNX graph's output (float32 [N, Dimension]).</param>
/// <param name="NormalizeOutput">Whether the embedding is L2-normalised after the model (memories are cosine either way; this keeps stored vectors comparable across models).</param>
public sealed record ModelSpec(
    string Name,
    int Dimension,
    int ResizeShorterSide,
    int CropSize,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    ChannelOrder Channels,
    string InputName,
    string OutputName,
    bool NormalizeOutput = true)
{
    /// <summary>The largest input side accepted (a 1024×1024 crop is already far beyond common vision models).</summary>
    public const int MaxSide = 1024;

    /// <summary>Floats in one image's input tensor.</summary>
    public int InputLength => 3 * CropSize * CropSize;

    /// <summary>What is wrong with the spec, field by field; empty when it is usable.</summary>
    public IReadOnlyList<FieldProblem> Problems()
    {
        var problems = new List<FieldProblem>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add(new("name", "is required"));
        }
        if (Dimension is < 1 or > 65536)
        {
            problems.Add(new("dimension", "must be between 1 and 65536"));
        }
        if (CropSize < 1 || CropSize > MaxSide)
        {
            problems.Add(new("cropSize", $"must be between 1 and {MaxSide}"));
        }
        if (ResizeShorterSide < CropSize || ResizeShorterSide > MaxSide)
        {
            problems.Add(new("resizeShorterSide", $"must be at least cropSize ({CropSize}) and at most {MaxSide}"));
        }
        if (Mean is not { Count: 3 } || Mean.Any(m => !float.IsFinite(m)))
        {
            problems.Add(new("mean", "must be 3 finite numbers"));
        }
        if (Std is not { Count: 3 } || Std.Any(s => !float.IsFinite(s) || s <= 0))
        {
            problems.Add(new("std", "must be 3 finite positive numbers"));
        }
        if (string.IsNullOrWhiteSpace(InputName))
        {
            problems.Add(new("inputName", "is required"));
        }
        if (string.IsNullOrWhiteSpace(OutputName))
        {
            problems.Add(new("outputName", "is required"));
        }
        return problems;
    }
}
