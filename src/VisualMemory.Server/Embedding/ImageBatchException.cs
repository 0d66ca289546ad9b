using VisualMemory.Imaging;

namespace VisualMemory.Server.Embedding;

/// <summary>One image of several could not be decoded; the request names which.</summary>
internal sealed class ImageBatchException(int index, ImageDecodeException inner) : Exception($"image {index}: {inner.Message}", inner)
{
    /// <summary>Zero-based position of the image in the request.</summary>
    public int Index { get; } = index;

    /// <summary>Why the decoder refused it.</summary>
    public ImageDecodeException Decode { get; } = inner;
}
