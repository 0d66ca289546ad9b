using VisualMemory.ControlPlane;

namespace VisualMemory.ControlPlane.Tests;

/// <summary>The store contract on SQLite: a fresh database file per test in a temporary directory.</summary>
public sealed class SqliteClusterStoreTests : ClusterStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-controlplane-").FullName;

    private string DatabasePath => Path.Combine(_directory, "cluster.db");

    protected override Task<IClusterStore> CreateStoreAsync() => Task.FromResult<IClusterStore>(new SqliteClusterStore(DatabasePath));

    protected override IClusterStore OpenSameDatabase() => new SqliteClusterStore(DatabasePath);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
