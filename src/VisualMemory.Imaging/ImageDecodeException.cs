namespace VisualMemory.Imaging;

/// <summary>
/// An input <see cref="ImageDecoder"/> refused. <see cref="Kind"/> says why (and, through
/// <see cref="ImageDecodeProblems"/>, which 4xx to answer); the message is written for the client.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception for a refusal of the given kind.</summary>
    public ImageDecodeException(ImageDecodeErrorKind kind, string message) : base(message) => Kind = kind;

    /// <summary>Creates the exception with a message; the kind is <see cref="ImageDecodeErrorKind.Corrupt"/>.</summary>
    public ImageDecodeException(string message) : this(ImageDecodeErrorKind.Corrupt, message) { }

    /// <summary>Creates the exception with a message and a cause; the kind is <see cref="ImageDecodeErrorKind.Corrupt"/>.</summary>
    public ImageDecodeException(string message, Exception innerException) : base(message, innerException) => Kind = ImageDecodeErrorKind.Corrupt;

    /// <summary>Creates an exception with a generic message; prefer the constructor that takes a kind.</summary>
    public ImageDecodeException() : this(ImageDecodeErrorKind.Corrupt, "The image could not be decoded.") { }

    /// <summary>Why the input was refused.</summary>
    public ImageDecodeErrorKind Kind { get; }
}
