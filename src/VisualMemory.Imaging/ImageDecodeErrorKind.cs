namespace VisualMemory.Imaging;

/// <summary>Why an input was refused; <see cref="ImageDecodeProblems"/> maps each to an HTTP status.</summary>
public enum ImageDecodeErrorKind
{
    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>More encoded bytes than <see cref="ImageDecodeOptions.MaxBytes"/>.</summary>
    TooManyBytes,

    /// <summary>The header declares more than <see cref="ImageDecodeOptions.MaxPixels"/> pixels (e.g. a decompression bomb).</summary>
    TooManyPixels,

    /// <summary>The bytes are in no image format libvips knows (text, random data, an unknown container).</summary>
    NotAnImage,

    /// <summary>An image format libvips recognises but this service does not accept (GIF, TIFF, SVG, PDF, HEIF, ...).</summary>
    UnsupportedFormat,

    /// <summary>A supported format whose header or data is damaged or cut short.</summary>
    Corrupt,
}
