namespace VisualMemory.Deploy.Tests;

/// <summary>Paths in the repository the tests run from (found by walking up to VisualMemoryCluster.sln).</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VisualMemoryCluster.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no VisualMemoryCluster.sln above {AppContext.BaseDirectory}");
    }
}
