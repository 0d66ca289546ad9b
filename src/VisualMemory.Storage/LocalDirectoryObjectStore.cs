namespace VisualMemory.Storage;

/// <summary>
/// Objects as files under a root directory: the embedded, single-node default. The key
/// <c>a/b/c</c> is the file <c>root/a/b/c</c>.
/// </summary>
/// <remarks>
/// <para><b>Atomic, durable put.</b> The content is written to a uniquely named temporary file in
/// the target's own directory (named <c>.~tmp-…</c>, a segment prefix no key may use, so listing
/// never shows it), flushed to disk with <c>FileStream.Flush(true)</c> (fsync), then renamed over
/// the target with <see cref="File.Move(string, string, bool)"/> (<c>rename(2)</c> on Unix, atomic
/// within one file system), and finally the directory itself is fsynced so the rename survives a
/// power loss (see <see cref="DirectorySync"/> for what .NET can and cannot do there). Readers see
/// the old file or the whole new one. Directories created for a new key are synced too.</para>
/// <para>A failed put removes its temporary file. A crash in the middle of a put can leave a
/// <c>.~tmp-…</c> file behind; <see cref="RemoveTemporaryFiles"/> clears them (call it at start,
/// when no put is running).</para>
/// <para>Unlike S3, a file system cannot hold both <c>a</c> and <c>a/b</c>; such a put fails with an
/// <see cref="IOException"/>. Delete leaves empty directories in place unless
/// <c>removeEmptyDirectories</c> is set.</para>
/// </remarks>
public sealed class LocalDirectoryObjectStore : IObjectStore
{
    private const string TempPrefix = ObjectKey.ReservedSegmentPrefix + "tmp-";

    private readonly string _root;
    private readonly bool _removeEmptyDirectories;

    /// <summary>Opens (creating if needed) the store rooted at <paramref name="rootDirectory"/>.</summary>
    /// <param name="rootDirectory">The directory holding the objects.</param>
    /// <param name="removeEmptyDirectories">Whether delete also removes directories it leaves empty (up to the root).</param>
    public LocalDirectoryObjectStore(string rootDirectory, bool removeEmptyDirectories = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
        _removeEmptyDirectories = removeEmptyDirectories;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The root directory, as a full path.</summary>
    public string RootDirectory => _root;

    /// <inheritdoc />
    public string Describe => "file://" + _root;

    /// <inheritdoc />
    public Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        PutCoreAsync(key, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);

    /// <inheritdoc />
    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return PutCoreAsync(key, (stream, ct) => content.CopyToAsync(stream, ct), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(key, Describe, e);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    /// <inheritdoc />
    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        // Walk only the deepest directory the prefix names completely.
        var slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? _root : Path.Combine(_root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        var found = new List<ObjectInfo>();
        if (Directory.Exists(start))
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 };
            foreach (var file in new DirectoryInfo(start).EnumerateFiles("*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || !ObjectKey.IsValid(key))
                {
                    continue;   // temporary files and names that are not keys
                }
                try
                {
                    found.Add(new ObjectInfo(key, file.Length));
                }
                catch (FileNotFoundException)
                {
                    // deleted while listing
                }
            }
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<ObjectInfo>>(found);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.CompletedTask;
        }
        var directory = Path.GetDirectoryName(path)!;
        DirectorySync.Sync(directory);
        if (_removeEmptyDirectories)
        {
            RemoveEmptyDirectories(directory);
        }
        return Task.CompletedTask;
    }

    /// <summary>Deletes temporary files left by interrupted puts; returns how many. Call only while no put is running.</summary>
    public int RemoveTemporaryFiles()
    {
        var removed = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (var file in Directory.EnumerateFiles(_root, TempPrefix + "*", options))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private async Task PutCoreAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var directory = Path.GetDirectoryName(path)!;
        // A concurrent delete with removeEmptyDirectories may remove the directory between creating
        // it and creating the temporary file: create it again and retry.
        for (var attempt = 0; ; attempt++)
        {
            CreateDirectoryDurably(directory);
            var temp = Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N"));
            try
            {
                var stream = new FileStream(temp, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    Options = FileOptions.Asynchronous,
                });
                await using (stream.ConfigureAwait(false))
                {
                    await write(stream, cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true);
            }
            catch (DirectoryNotFoundException) when (attempt < 3)
            {
                TryDelete(temp);
                continue;
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
            DirectorySync.Sync(directory);
            return;
        }
    }

    /// <summary>Creates the missing directories from the root down to <paramref name="directory"/>, syncing each new one's parent.</summary>
    private void CreateDirectoryDurably(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }
        var parent = Path.GetDirectoryName(directory)!;
        if (!string.Equals(directory, _root, StringComparison.Ordinal))
        {
            CreateDirectoryDurably(parent);
        }
        Directory.CreateDirectory(directory);
        DirectorySync.Sync(parent);
    }

    private void RemoveEmptyDirectories(string directory)
    {
        while (!string.Equals(directory, _root, StringComparison.Ordinal) && directory.StartsWith(_root, StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (IOException)
            {
                return;   // not empty (or already gone)
            }
            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort; RemoveTemporaryFiles clears leftovers
        }
        catch (UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private string PathOf(string key)
    {
        ObjectKey.Validate(key);
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}
