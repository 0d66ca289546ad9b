using VisualMemory.Engine.Durability;
using VisualMemory.Storage;

namespace VisualMemory.Server;

/// <summary>
/// Where this node keeps its data: --data-dir (or a per-user default) for write-ahead logs, and an
/// object store for segments and memory state: the directory <c>{data-dir}/objects</c> unless
/// <c>Storage:Kind</c> is <c>s3</c> (then <c>Storage:S3:*</c>, see <see cref="S3ObjectStoreOptions"/>).
/// </summary>
/// <param name="DataDirectory">Root of the node's local data.</param>
public sealed record NodeStorage(string DataDirectory)
{
    /// <summary>Write-ahead logs, one directory per memory and shard.</summary>
    public string LogDirectory => Path.Combine(DataDirectory, "wal");

    /// <summary>The object store's directory when storage is local.</summary>
    public string ObjectsDirectory => Path.Combine(DataDirectory, "objects");

    /// <summary>Reads "data-dir" (the --data-dir switch) or "DataDir"; defaults to $XDG_DATA_HOME or ~/.local/share, under visual-memory.</summary>
    public static NodeStorage FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration["data-dir"] ?? configuration["DataDir"];
        var root = configured ?? Path.Combine(
            Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share"),
            "visual-memory");
        return new NodeStorage(Path.GetFullPath(root));
    }

    /// <summary>The memory storage the configuration asks for.</summary>
    /// <exception cref="InvalidOperationException">Storage:Kind is neither "local" nor "s3".</exception>
    public MemoryStorage OpenMemoryStorage(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kind = configuration["Storage:Kind"] ?? "local";
        IObjectStore objects = kind.ToLowerInvariant() switch
        {
            "local" => new LocalDirectoryObjectStore(configuration["Storage:Directory"] ?? ObjectsDirectory, removeEmptyDirectories: true),
            "s3" => new S3ObjectStore(configuration.GetSection("Storage:S3").Get<S3ObjectStoreOptions>() ?? new S3ObjectStoreOptions()),
            _ => throw new InvalidOperationException($"Storage:Kind must be \"local\" or \"s3\", not \"{kind}\""),
        };
        return new MemoryStorage(objects, LogDirectory);
    }
}
