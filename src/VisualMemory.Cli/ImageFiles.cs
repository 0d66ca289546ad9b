using VisualMemory.Datasets;

namespace VisualMemory.Cli;

/// <summary>Reads the image files the image commands send, turning a missing or unreadable file into a data-file error (exit 3).</summary>
internal static class ImageFiles
{
    public static async Task<byte[]> ReadAsync(string path, string? context = null)
    {
        var prefix = context is null ? "" : context + ": ";
        try
        {
            return await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataFileException($"{prefix}{path}: not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataFileException($"{prefix}{path}: {e.Message}");
        }
    }

    /// <summary>The listing's entries, checked to be non-empty.</summary>
    public static IReadOnlyList<ImageListing.Entry> Listing(string path)
    {
        var entries = ImageListing.Read(path);
        return entries.Count > 0 ? entries : throw new InvalidDataFileException($"{path}: no images listed");
    }
}
