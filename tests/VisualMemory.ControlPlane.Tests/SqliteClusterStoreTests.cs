using Microsoft.Data.Sqlite;
using VisualMemory.ControlPlane;

namespace VisualMemory.ControlPlane.Tests;

/// <summary>The store contract on SQLite: a fresh database file per test in a temporary directory.</summary>
public sealed class SqliteClusterStoreTests : ClusterStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-controlplane-").FullName;

    private string DatabasePath => Path.Combine(_directory, "cluster.db");

    protected override Task<IClusterStore> CreateStoreAsync() => Task.FromResult<IClusterStore>(new SqliteClusterStore(DatabasePath));

    protected override IClusterStore OpenSameDatabase() => new SqliteClusterStore(DatabasePath);

    protected override async Task<IClusterStore> CreateStoreAtVersionAsync(int version)
    {
        var path = Path.Combine(_directory, $"v{version}.db");
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            string[] schemas = [SqliteSql.SchemaV1, SqliteSql.SchemaV2, SqliteSql.SchemaV3, SqliteSql.SchemaV4, SqliteSql.SchemaV5];
            await using (var create = new SqliteCommand(SqliteSql.CreateVersionTable, connection))
            {
                await create.ExecuteNonQueryAsync();
            }
            for (var v = 1; v <= version; v++)
            {
                await using var command = new SqliteCommand(schemas[v - 1], connection);
                await command.ExecuteNonQueryAsync();
                await using var record = new SqliteCommand(SqliteSql.RecordVersion, connection);
                record.Parameters.AddWithValue("@version", v);
                record.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.UtcTicks);
                await record.ExecuteNonQueryAsync();
            }
        }
        return new SqliteClusterStore(path);
    }

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
