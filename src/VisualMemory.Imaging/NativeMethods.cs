using System.Runtime.InteropServices;

namespace VisualMemory.Imaging;

/// <summary>
/// P/Invoke declarations for libvips 8.14 (apt <c>libvips42</c>) and the GLib calls it needs.
/// </summary>
/// <remarks>
/// .NET cannot call C varargs on Unix, so every libvips function taking optional arguments
/// (<c>...</c>) gets one fixed overload per call shape, ending in the NULL terminator. On x86-64
/// System V a variadic callee reads integer and pointer arguments from the same registers and stack
/// slots as a non-variadic one, which is why this works; doubles would not (they travel in vector
/// registers counted by AL), so none is passed as an optional argument.
/// </remarks>
internal static unsafe partial class NativeMethods
{
    private const string Vips = "libvips.so.42";
    private const string GObject = "libgobject-2.0.so.0";
    private const string GLib = "libglib-2.0.so.0";

    /// <summary>VIPS_ACCESS_SEQUENTIAL: top-to-bottom reading, no whole-image cache.</summary>
    internal const int AccessSequential = 1;

    /// <summary>VIPS_SIZE_BOTH: up or down.</summary>
    internal const int SizeBoth = 0;

    /// <summary>VIPS_SIZE_FORCE: ignore the aspect ratio, exactly width × height.</summary>
    internal const int SizeForce = 3;

    /// <summary>VIPS_INTERESTING_NONE: no crop.</summary>
    internal const int InterestingNone = 0;

    /// <summary>VIPS_INTERESTING_CENTRE: crop the middle.</summary>
    internal const int InterestingCentre = 1;

    /// <summary>VIPS_INTERPRETATION_sRGB.</summary>
    internal const int InterpretationSrgb = 22;

    /// <summary>VIPS_FORMAT_UCHAR.</summary>
    internal const int FormatUchar = 0;

    [LibraryImport(GLib, EntryPoint = "g_setenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetEnvironment(string variable, string value, int overwrite);

    [LibraryImport(Vips, EntryPoint = "vips_init", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Init(string argv0);

    [LibraryImport(Vips, EntryPoint = "vips_version")]
    internal static partial int Version(int flag);

    [LibraryImport(Vips, EntryPoint = "vips_cache_set_max")]
    internal static partial void CacheSetMax(int max);

    [LibraryImport(Vips, EntryPoint = "vips_concurrency_set")]
    internal static partial void ConcurrencySet(int concurrency);

    [LibraryImport(Vips, EntryPoint = "vips_error_buffer")]
    internal static partial nint ErrorBuffer();

    [LibraryImport(Vips, EntryPoint = "vips_error_clear")]
    internal static partial void ErrorClear();

    /// <summary>The class name of the loader whose sniffer accepts the buffer (e.g. <c>VipsForeignLoadJpegBuffer</c>; a static string), or 0.</summary>
    [LibraryImport(Vips, EntryPoint = "vips_foreign_find_load_buffer")]
    internal static partial nint ForeignFindLoadBuffer(byte* data, nuint size);

    /// <summary><c>vips_image_new_from_buffer(buf, len, "", "access", access, NULL)</c>: header now, pixels lazily.</summary>
    [LibraryImport(Vips, EntryPoint = "vips_image_new_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint ImageNewFromBuffer(byte* data, nuint size, string optionString, string accessName, int access, nint terminator);

    /// <summary>
    /// <c>vips_thumbnail_buffer(buf, len, &amp;out, width, "height", h, "size", s, "crop", c,
    /// "no_rotate", r, "option_string", o, NULL)</c>.
    /// </summary>
    [LibraryImport(Vips, EntryPoint = "vips_thumbnail_buffer", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ThumbnailBuffer(
        byte* data, nuint size, out nint output, int width,
        string heightName, int height,
        string sizeName, int sizeMode,
        string cropName, int crop,
        string noRotateName, int noRotate,
        string optionStringName, string optionString,
        nint terminator);

    /// <summary><c>vips_colourspace(in, &amp;out, space, NULL)</c>.</summary>
    [LibraryImport(Vips, EntryPoint = "vips_colourspace")]
    internal static partial int Colourspace(nint input, out nint output, int space, nint terminator);

    /// <summary><c>vips_cast_uchar(in, &amp;out, NULL)</c>.</summary>
    [LibraryImport(Vips, EntryPoint = "vips_cast_uchar")]
    internal static partial int CastUchar(nint input, out nint output, nint terminator);

    /// <summary><c>vips_flatten(in, &amp;out, "background", array, NULL)</c>.</summary>
    [LibraryImport(Vips, EntryPoint = "vips_flatten", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Flatten(nint input, out nint output, string backgroundName, nint background, nint terminator);

    [LibraryImport(Vips, EntryPoint = "vips_array_double_new")]
    internal static partial nint ArrayDoubleNew(double* array, int n);

    [LibraryImport(Vips, EntryPoint = "vips_area_unref")]
    internal static partial void AreaUnref(nint area);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_width")]
    internal static partial int ImageGetWidth(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_height")]
    internal static partial int ImageGetHeight(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_bands")]
    internal static partial int ImageGetBands(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_get_format")]
    internal static partial int ImageGetFormat(nint image);

    [LibraryImport(Vips, EntryPoint = "vips_image_hasalpha")]
    internal static partial int ImageHasAlpha(nint image);

    /// <summary>Evaluates the pipeline into a new g_malloc'd buffer (free with <see cref="GFree"/>).</summary>
    [LibraryImport(Vips, EntryPoint = "vips_image_write_to_memory")]
    internal static partial nint ImageWriteToMemory(nint image, out nuint size);

    [LibraryImport(GObject, EntryPoint = "g_object_unref")]
    internal static partial void GObjectUnref(nint instance);

    [LibraryImport(GLib, EntryPoint = "g_free")]
    internal static partial void GFree(nint memory);
}
