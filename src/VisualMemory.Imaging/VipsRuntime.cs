using System.Runtime.InteropServices;

namespace VisualMemory.Imaging;

/// <summary>
/// Starts libvips once per process and reads its error buffer.
/// </summary>
/// <remarks>
/// The operation cache is switched off (<c>vips_cache_set_max(0)</c>): decoded request images are
/// never reused, and a cache would hold their pixels. Each decode runs on its caller's thread
/// (<c>vips_concurrency_set(1)</c>): a server decodes many requests at once, and libvips's own
/// worker pool per image would only oversubscribe the cores.
/// <para>
/// libvips's loadable modules (heif, jxl, magick, openslide, poppler) are never loaded: <c>VIPSHOME</c> is
/// pointed at a directory without them before <c>vips_init</c>. We read JPEG, PNG and WebP, which are built
/// in; the modules would only widen what untrusted bytes can reach, and GModule opens them with global
/// symbols: the openslide module pulls in the system libsqlite3, whose symbols then bind inside the
/// control plane's own SQLite (e_sqlite3), which crashed the process (SIGSEGV in sqlite3Malloc) on the first
/// control-plane insert after an image was decoded.
/// </para>
/// </remarks>
internal static class VipsRuntime
{
    private static readonly Lazy<bool> Started = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock ErrorLock = new();

    /// <summary>Starts libvips if this process has not; throws when the library is missing.</summary>
    public static void EnsureStarted() => _ = Started.Value;

    private static bool Start()
    {
        try
        {
            // GLib's setenv, not Environment.SetEnvironmentVariable: .NET keeps its own copy of the environment, libvips reads the C one.
            NativeMethods.SetEnvironment("VIPSHOME", Path.Combine(AppContext.BaseDirectory, "vips-without-modules"), overwrite: 1);
            if (NativeMethods.Init("VisualMemory") != 0)
            {
                throw new InvalidOperationException($"vips_init failed: {TakeError()}");
            }
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException("libvips is not installed (apt-get install libvips42; see scripts/setup.sh).", e);
        }
        NativeMethods.CacheSetMax(0);
        NativeMethods.ConcurrencySet(1);
        return true;
    }

    /// <summary>
    /// The text libvips has collected since the last call (its error buffer is process-wide, so under
    /// concurrent failures a message may carry another decode's lines too), then clears it.
    /// </summary>
    public static string TakeError()
    {
        lock (ErrorLock)
        {
            var text = Marshal.PtrToStringUTF8(NativeMethods.ErrorBuffer()) ?? "";
            NativeMethods.ErrorClear();
            return text.Trim();
        }
    }
}
