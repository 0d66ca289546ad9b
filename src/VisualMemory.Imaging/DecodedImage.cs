namespace VisualMemory.Imaging;

/// <summary>
/// A decoded, resized image: 8-bit sRGB, three channels interleaved (R, G, B), rows top to bottom,
/// no padding, so pixel (x, y) starts at byte <c>3 * (y * Width + x)</c>.
/// </summary>
public sealed class DecodedImage
{
    private readonly byte[] _pixels;

    /// <summary>Wraps <paramref name="pixels"/> (not copied), which must hold exactly width × height × 3 bytes.</summary>
    public DecodedImage(int width, int height, byte[] pixels, int originalWidth, int originalHeight)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.LongLength != 3L * width * height)
        {
            throw new ArgumentException($"Expected {3L * width * height} bytes for {width}x{height} RGB, got {pixels.LongLength}.", nameof(pixels));
        }
        Width = width;
        Height = height;
        _pixels = pixels;
        OriginalWidth = originalWidth;
        OriginalHeight = originalHeight;
    }

    /// <summary>Output width in pixels.</summary>
    public int Width { get; }

    /// <summary>Output height in pixels.</summary>
    public int Height { get; }

    /// <summary>Width of the encoded image as its header declares it (before EXIF rotation or resizing).</summary>
    public int OriginalWidth { get; }

    /// <summary>Height of the encoded image as its header declares it (before EXIF rotation or resizing).</summary>
    public int OriginalHeight { get; }

    /// <summary>The RGB bytes, row-major, Width × Height × 3.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>The red, green and blue values of pixel (x, y).</summary>
    public (byte R, byte G, byte B) GetPixel(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        var i = 3 * (y * Width + x);
        return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
    }
}
