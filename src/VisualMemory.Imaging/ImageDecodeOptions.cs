namespace VisualMemory.Imaging;

/// <summary>What <see cref="ImageDecoder.Decode(ReadOnlySpan{byte}, ImageDecodeOptions)"/> produces and which inputs it refuses.</summary>
public sealed record ImageDecodeOptions
{
    /// <summary>The largest accepted target side, in pixels.</summary>
    public const int MaxTargetSide = 8192;

    /// <summary>224 × 224, shorter side then centre crop, 20 MiB, 50 megapixels, EXIF rotation on.</summary>
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Output width in pixels (1 to <see cref="MaxTargetSide"/>); default 224.</summary>
    public int TargetWidth { get; init; } = 224;

    /// <summary>Output height in pixels (1 to <see cref="MaxTargetSide"/>); default 224.</summary>
    public int TargetHeight { get; init; } = 224;

    /// <summary>How the image is brought to the target size; default <see cref="ResizeMode.ShorterSideThenCenterCrop"/>.</summary>
    public ResizeMode Mode { get; init; } = ResizeMode.ShorterSideThenCenterCrop;

    /// <summary>The largest accepted encoded input, in bytes; default 20 MiB. Larger input is refused unread.</summary>
    public long MaxBytes { get; init; } = 20L << 20;

    /// <summary>
    /// The largest accepted width × height of the encoded image (as its header declares it, before
    /// any rotation or resizing); default 50,000,000. Checked from the header alone, before a single
    /// pixel is decoded, so a decompression bomb costs nothing.
    /// </summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Apply the EXIF orientation tag (rotate/flip to the displayed orientation); default true.</summary>
    public bool AutoRotate { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TargetWidth, 1, nameof(TargetWidth));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TargetWidth, MaxTargetSide, nameof(TargetWidth));
        ArgumentOutOfRangeException.ThrowIfLessThan(TargetHeight, 1, nameof(TargetHeight));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TargetHeight, MaxTargetSide, nameof(TargetHeight));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Unknown resize mode.");
        }
    }
}
