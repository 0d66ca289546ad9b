namespace VisualMemory.Imaging;

/// <summary>
/// Maps an <see cref="ImageDecodeErrorKind"/> to the HTTP status and problem-details title a server
/// answers with: 400 for input that is not a usable image (empty, not an image, corrupt), 413 for
/// input over a size limit (bytes or pixels), 415 for an image format that is not accepted.
/// </summary>
public static class ImageDecodeProblems
{
    /// <summary>The HTTP status for <paramref name="kind"/>.</summary>
    public static int StatusCode(ImageDecodeErrorKind kind) => kind switch
    {
        ImageDecodeErrorKind.Empty => 400,
        ImageDecodeErrorKind.NotAnImage => 400,
        ImageDecodeErrorKind.Corrupt => 400,
        ImageDecodeErrorKind.TooManyBytes => 413,
        ImageDecodeErrorKind.TooManyPixels => 413,
        ImageDecodeErrorKind.UnsupportedFormat => 415,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown image decode error kind."),
    };

    /// <summary>A short, fixed title for the problem details (the exception's message is the detail).</summary>
    public static string Title(ImageDecodeErrorKind kind) => kind switch
    {
        ImageDecodeErrorKind.Empty => "Empty image",
        ImageDecodeErrorKind.NotAnImage => "Not an image",
        ImageDecodeErrorKind.Corrupt => "Corrupt or truncated image",
        ImageDecodeErrorKind.TooManyBytes => "Image too large (bytes)",
        ImageDecodeErrorKind.TooManyPixels => "Image too large (pixels)",
        ImageDecodeErrorKind.UnsupportedFormat => "Unsupported image format",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown image decode error kind."),
    };
}
