namespace VisualMemory.Server;

/// <summary>Where this node keeps its files: --data-dir, or a per-user default.</summary>
/// <param name="DataDirectory">Root of the node's data.</param>
public sealed record NodeStorage(string DataDirectory)
{
    /// <summary>Snapshots of memories.</summary>
    public string MemoriesDirectory => Path.Combine(DataDirectory, "memories");

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
}
