using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.InteropServices;

namespace VisualMemory.Imaging;

/// <summary>
/// Decodes JPEG, PNG and WebP (8- or 16-bit, greyscale, RGB, CMYK, with or without alpha) into 8-bit
/// sRGB RGB at a fixed size, through libvips. Thread-safe; every call is independent.
/// </summary>
/// <remarks>
/// Order of checks, cheapest first: empty input; more bytes than <see cref="ImageDecodeOptions.MaxBytes"/>;
/// the format, sniffed from the first bytes (unknown → <see cref="ImageDecodeErrorKind.NotAnImage"/>,
/// known but not JPEG/PNG/WebP → <see cref="ImageDecodeErrorKind.UnsupportedFormat"/>, which also keeps
/// libvips's SVG, PDF, TIFF, HEIF ... loaders away from untrusted bytes); the header alone (width ×
/// height over <see cref="ImageDecodeOptions.MaxPixels"/> → <see cref="ImageDecodeErrorKind.TooManyPixels"/>,
/// before any pixel is decoded). Only then are pixels decoded, with <c>fail_on=error</c> so that
/// damaged or truncated data is an error rather than a grey patch: <c>vips_thumbnail_buffer</c>
/// (shrink-on-load for JPEG and WebP, EXIF orientation, CMYK through libvips's CMYK profile, the
/// resize) → <c>vips_colourspace</c> sRGB (greyscale and 16-bit to 8-bit RGB) → <c>vips_cast_uchar</c>
/// → transparent pixels flattened onto <b>white</b> (the usual backdrop of cut-out product photos;
/// black would make a transparent logo disappear into the dark of the model's normalisation) →
/// <c>vips_image_write_to_memory</c>. The input stays pinned until that write returns.
/// </remarks>
public static unsafe class ImageDecoder
{
    private static readonly FrozenDictionary<string, string> AcceptedLoaders = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["VipsForeignLoadJpegBuffer"] = "JPEG",
        ["VipsForeignLoadPngBuffer"] = "PNG",
        ["VipsForeignLoadSpngBuffer"] = "PNG",
        ["VipsForeignLoadWebpBuffer"] = "WebP",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The formats accepted, for messages and documentation.</summary>
    public static IReadOnlyCollection<string> AcceptedFormats { get; } = ["JPEG", "PNG", "WebP"];

    /// <summary>
    /// Decodes <paramref name="encoded"/> per <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ImageDecodeException">The input was refused; its <see cref="ImageDecodeException.Kind"/> says why.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">libvips is not installed or failed to start.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded, ImageDecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeErrorKind.Empty, "The image is empty (0 bytes).");
        }
        if (encoded.Length > options.MaxBytes)
        {
            throw new ImageDecodeException(ImageDecodeErrorKind.TooManyBytes,
                Invariant($"The image is {encoded.Length} bytes; at most {options.MaxBytes} are accepted."));
        }
        VipsRuntime.EnsureStarted();
        fixed (byte* data = encoded)
        {
            var size = (nuint)encoded.Length;
            CheckFormat(data, size);
            var (width, height) = ReadHeader(data, size);
            if ((long)width * height > options.MaxPixels)
            {
                throw new ImageDecodeException(ImageDecodeErrorKind.TooManyPixels,
                    Invariant($"The image is {width}x{height} = {(long)width * height} pixels; at most {options.MaxPixels} are accepted."));
            }
            var pixels = DecodePixels(data, size, options, out var outWidth, out var outHeight);
            return new DecodedImage(outWidth, outHeight, pixels, width, height);
        }
    }

    /// <summary>Decodes with <see cref="ImageDecodeOptions.Default"/>.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> encoded) => Decode(encoded, ImageDecodeOptions.Default);

    private static void CheckFormat(byte* data, nuint size)
    {
        var loader = Marshal.PtrToStringUTF8(NativeMethods.ForeignFindLoadBuffer(data, size));
        if (loader is null)
        {
            VipsRuntime.TakeError();
            throw new ImageDecodeException(ImageDecodeErrorKind.NotAnImage,
                $"The bytes are not an image in any known format; send {string.Join(", ", AcceptedFormats)}.");
        }
        if (!AcceptedLoaders.ContainsKey(loader))
        {
            // The loader's class name, e.g. VipsForeignLoadGifBuffer.
            var format = loader.Replace("VipsForeignLoad", "", StringComparison.Ordinal).Replace("Buffer", "", StringComparison.Ordinal).ToUpperInvariant();
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat,
                $"{format} images are not accepted; send {string.Join(", ", AcceptedFormats)}.");
        }
    }

    /// <summary>Parses the header only (pixels load lazily, and never will here).</summary>
    private static (int Width, int Height) ReadHeader(byte* data, nuint size)
    {
        var image = NativeMethods.ImageNewFromBuffer(data, size, "", "access", NativeMethods.AccessSequential, 0);
        if (image == 0)
        {
            throw Corrupt("The image header could not be read", VipsRuntime.TakeError());
        }
        using var header = new VipsImageHandle(image);
        return (NativeMethods.ImageGetWidth(image), NativeMethods.ImageGetHeight(image));
    }

    private static byte[] DecodePixels(byte* data, nuint size, ImageDecodeOptions options, out int width, out int height)
    {
        var crop = options.Mode == ResizeMode.ShorterSideThenCenterCrop;
        var status = NativeMethods.ThumbnailBuffer(data, size, out var thumbnail, options.TargetWidth,
            "height", options.TargetHeight,
            "size", crop ? NativeMethods.SizeBoth : NativeMethods.SizeForce,
            "crop", crop ? NativeMethods.InterestingCentre : NativeMethods.InterestingNone,
            "no_rotate", options.AutoRotate ? 0 : 1,
            "option_string", "fail_on=error",
            0);
        using var image = Own(status, thumbnail, "The image could not be decoded");
        using var srgb = Own(NativeMethods.Colourspace(image.Pointer, out var converted, NativeMethods.InterpretationSrgb, 0), converted,
            "The image could not be converted to sRGB");
        using var bytes = Own(NativeMethods.CastUchar(srgb.Pointer, out var cast, 0), cast, "The image could not be converted to 8 bits");
        using var flat = NativeMethods.ImageHasAlpha(bytes.Pointer) != 0 ? FlattenOnWhite(bytes) : null;
        var final = flat ?? bytes;
        var bands = NativeMethods.ImageGetBands(final.Pointer);
        if (bands != 3 || NativeMethods.ImageGetFormat(final.Pointer) != NativeMethods.FormatUchar)
        {
            throw new ImageDecodeException(ImageDecodeErrorKind.UnsupportedFormat,
                Invariant($"The image has {bands} channels after conversion to sRGB; only greyscale, RGB and CMYK images (with or without alpha) are accepted."));
        }
        width = NativeMethods.ImageGetWidth(final.Pointer);
        height = NativeMethods.ImageGetHeight(final.Pointer);

        // The whole pipeline (decode included) runs here, reading the pinned input.
        var memory = NativeMethods.ImageWriteToMemory(final.Pointer, out var length);
        if (memory == 0)
        {
            throw Corrupt("The image data is damaged or truncated", VipsRuntime.TakeError());
        }
        try
        {
            if (length != (nuint)(3L * width * height))
            {
                throw new InvalidOperationException(Invariant($"libvips wrote {length} bytes for a {width}x{height} RGB image."));
            }
            var pixels = GC.AllocateUninitializedArray<byte>((int)length);
            new ReadOnlySpan<byte>((void*)memory, (int)length).CopyTo(pixels);
            return pixels;
        }
        finally
        {
            NativeMethods.GFree(memory);
        }
    }

    private static VipsImageHandle FlattenOnWhite(VipsImageHandle input)
    {
        var white = 255.0;
        var background = NativeMethods.ArrayDoubleNew(&white, 1);
        try
        {
            using var flat = Own(NativeMethods.Flatten(input.Pointer, out var flattened, "background", background, 0), flattened,
                "The image's transparency could not be flattened");
            // Flatten keeps the input's format for 8-bit input; cast anyway so the output is certain.
            return Own(NativeMethods.CastUchar(flat.Pointer, out var cast, 0), cast, "The image could not be converted to 8 bits");
        }
        finally
        {
            NativeMethods.AreaUnref(background);
        }
    }

    private static VipsImageHandle Own(int status, nint image, string what)
    {
        if (status != 0 || image == 0)
        {
            if (image != 0)
            {
                NativeMethods.GObjectUnref(image);
            }
            throw Corrupt(what, VipsRuntime.TakeError());
        }
        return new VipsImageHandle(image);
    }

    private static ImageDecodeException Corrupt(string what, string vipsError)
    {
        var detail = vipsError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reason = detail.Length == 0 ? "" : $" ({string.Join("; ", detail.Take(3))})";
        return new ImageDecodeException(ImageDecodeErrorKind.Corrupt, $"{what}: it is damaged, truncated or not a valid image{reason}.");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
