using System.Runtime.InteropServices;

namespace VisualMemory.Storage;

/// <summary>
/// Makes a directory's entries (a rename, a new file or subdirectory) durable by calling
/// <c>fsync</c> on the directory itself.
/// </summary>
/// <remarks>
/// .NET has no API for this: <see cref="FileStream"/> and <c>File.OpenHandle</c> refuse to open a
/// directory, and <c>FileStream.Flush(true)</c> only syncs a file's own data and metadata, not the
/// directory entry that names it. So on Linux and other Unix systems this calls libc's
/// <c>open(dir, O_RDONLY)</c>, <c>fsync</c>, <c>close</c> directly. On Windows there is no way to
/// sync a directory from user code (NTFS journals renames itself), so this does nothing there. On
/// macOS <c>fsync</c> does not force the drive's cache (that needs <c>F_FULLFSYNC</c>), so a power
/// loss can still lose a rename there; Linux is the deployment target.
/// </remarks>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;            // O_RDONLY on every Unix
    private const int LinuxCloseOnExec = 0x80000;   // O_CLOEXEC on Linux (x64 and arm64): no child process inherits the descriptor

    /// <summary>Syncs <paramref name="directory"/>'s entries to disk where the platform allows; throws <see cref="IOException"/> if the OS reports a failure.</summary>
    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = Open(directory, OperatingSystem.IsLinux() ? ReadOnly | LinuxCloseOnExec : ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system does not support syncing directories; nothing more can be done.
                const int EINVAL = 22;
                if (errno != EINVAL)
                {
                    throw new IOException($"fsync of directory '{directory}' failed (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
