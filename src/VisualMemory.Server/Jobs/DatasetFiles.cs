using Microsoft.Extensions.Options;
using VisualMemory.Storage;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// Opens the files a dataset names: local paths (relative ones against the manifest's directory), and
/// <c>store://key</c> objects in the node's object store (S3 or the local object directory). Local paths
/// must lie under <see cref="IngestSettings.AllowedDirectories"/> when any are set.
/// </summary>
internal sealed class DatasetFiles(IObjectStore objects, IOptions<IngestSettings> settings)
{
    /// <summary>The scheme of object-store references.</summary>
    public const string StoreScheme = "store://";

    /// <summary>Where <paramref name="reference"/> points, given the location of the file that named it.</summary>
    public static string Resolve(string reference, string baseLocation)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(baseLocation);
        if (reference.StartsWith(StoreScheme, StringComparison.Ordinal) || Path.IsPathRooted(reference))
        {
            return reference;
        }
        if (reference.StartsWith("file://", StringComparison.Ordinal))
        {
            return new Uri(reference).LocalPath;
        }
        return baseLocation.StartsWith(StoreScheme, StringComparison.Ordinal)
            ? baseLocation.TrimEnd('/') + "/" + reference
            : Path.GetFullPath(Path.Combine(baseLocation, reference));
    }

    /// <summary>The directory (or store prefix) relative names in the file at <paramref name="location"/> resolve against.</summary>
    public static string BaseOf(string location) => location.StartsWith(StoreScheme, StringComparison.Ordinal)
        ? location[..(location.LastIndexOf('/') is var slash && slash >= StoreScheme.Length ? slash : StoreScheme.Length)]
        : Path.GetDirectoryName(Path.GetFullPath(location)) ?? "/";

    /// <summary>
    /// Opens a resolved location for reading. Both kinds stream: an object is read as its body arrives, so a
    /// part of any size passes through a fixed amount of memory, and checking a part's headers reads only them.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file or object.</exception>
    /// <exception cref="UnauthorizedAccessException">A local path outside the allowed directories.</exception>
    public async Task<Stream> OpenAsync(string location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.StartsWith(StoreScheme, StringComparison.Ordinal))
        {
            var key = location[StoreScheme.Length..];
            try
            {
                return await objects.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException e)
            {
                throw new FileNotFoundException($"no object '{key}' in the node's object store", location, e);
            }
            catch (ArgumentException e)
            {
                throw new FileNotFoundException($"'{key}' is not a valid object key: {e.Message}", location, e);
            }
        }
        var path = Path.GetFullPath(location);
        var allowed = settings.Value.AllowedDirectories;
        if (allowed.Count > 0 && !allowed.Any(d => path.StartsWith(Path.GetFullPath(d).TrimEnd('/') + "/", StringComparison.Ordinal)))
        {
            throw new UnauthorizedAccessException($"{path} is outside Ingest:AllowedDirectories ({string.Join(", ", allowed)})");
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    /// <summary>Reads a whole (small) file, such as a manifest.</summary>
    public async Task<string> ReadTextAsync(string location, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await OpenAsync(location, cancellationToken).ConfigureAwait(false));
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
