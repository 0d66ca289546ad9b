namespace VisualMemory.Embedding.Models;

/// <summary>
/// Preprocessing of the models the design names, as their authors evaluate them, for ONNX exports whose
/// input is named <c>pixels</c> and output <c>embedding</c> (the export commands in docs/models.md name
/// them so). DINOv2: resize 256, crop 224, ImageNet mean/std, the CLS token. CLIP: resize and crop 224,
/// CLIP's own mean/std, the image projection.
/// </summary>
public static class ModelPresets
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];
    private static readonly float[] ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>DINOv2 ViT-S/14 (384-d).</summary>
    public static ModelSpec DinoV2Small { get; } = Dino("dinov2-vits14", 384);

    /// <summary>DINOv2 ViT-B/14 (768-d).</summary>
    public static ModelSpec DinoV2Base { get; } = Dino("dinov2-vitb14", 768);

    /// <summary>DINOv2 ViT-L/14 (1024-d).</summary>
    public static ModelSpec DinoV2Large { get; } = Dino("dinov2-vitl14", 1024);

    /// <summary>CLIP ViT-B/16 image encoder (512-d).</summary>
    public static ModelSpec ClipBase16 { get; } = Clip("clip-vitb16", 512);

    /// <summary>CLIP ViT-L/14 image encoder (768-d).</summary>
    public static ModelSpec ClipLarge14 { get; } = Clip("clip-vitl14", 768);

    /// <summary>Every preset, by name.</summary>
    public static IReadOnlyDictionary<string, ModelSpec> All { get; } = new[] { DinoV2Small, DinoV2Base, DinoV2Large, ClipBase16, ClipLarge14 }
        .ToDictionary(m => m.Name, StringComparer.Ordinal);

    private static ModelSpec Dino(string name, int dimension) =>
        new(name, dimension, 256, 224, ImageNetMean, ImageNetStd, ChannelOrder.Rgb, "pixels", "embedding");

    private static ModelSpec Clip(string name, int dimension) =>
        new(name, dimension, 224, 224, ClipMean, ClipStd, ChannelOrder.Rgb, "pixels", "embedding");
}
