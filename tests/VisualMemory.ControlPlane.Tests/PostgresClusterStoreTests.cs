using Npgsql;
using VisualMemory.ControlPlane;

namespace VisualMemory.ControlPlane.Tests;

/// <summary>The store contract on a real PostgreSQL server: a fresh database per test, plus what only a shared server shows.</summary>
public sealed class PostgresClusterStoreTests(PostgresFixture postgres) : ClusterStoreContract, IClassFixture<PostgresFixture>
{
    private string _connectionString = "";

    protected override async Task<IClusterStore> CreateStoreAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("t_" + Guid.NewGuid().ToString("N"));
        return new PostgresClusterStore(_connectionString);
    }

    protected override IClusterStore OpenSameDatabase() => new PostgresClusterStore(_connectionString);

    protected override async Task<IClusterStore> CreateStoreAtVersionAsync(int version)
    {
        var connectionString = await postgres.CreateDatabaseAsync($"v{version}_" + Guid.NewGuid().ToString("N"));
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            string[] schemas = [PostgresSql.SchemaV1, PostgresSql.SchemaV2, PostgresSql.SchemaV3, PostgresSql.SchemaV4, PostgresSql.SchemaV5];
            await using (var create = new NpgsqlCommand(PostgresSql.CreateVersionTable, connection))
            {
                await create.ExecuteNonQueryAsync();
            }
            for (var v = 1; v <= version; v++)
            {
                await using var command = new NpgsqlCommand(schemas[v - 1], connection);
                await command.ExecuteNonQueryAsync();
                await using var record = new NpgsqlCommand(PostgresSql.RecordVersion, connection);
                record.Parameters.AddWithValue("version", v);
                await record.ExecuteNonQueryAsync();
            }
        }
        return new PostgresClusterStore(connectionString);
    }

    [Fact]
    public async Task Two_nodes_with_their_own_data_sources_share_one_state()
    {
        // Two nodes: each has its own data source (its own connection pool), as two processes would.
        await using var sourceA = NpgsqlDataSource.Create(_connectionString);
        await using var sourceB = NpgsqlDataSource.Create(_connectionString);
        await using var nodeA = new PostgresClusterStore(sourceA);
        await using var nodeB = new PostgresClusterStore(sourceB);
        await nodeA.MigrateAsync();
        await nodeB.MigrateAsync();

        await nodeA.RegisterNodeAsync("a", "http://a", NodeRoles.Coordinator | NodeRoles.ShardHost, TimeSpan.FromMinutes(1));
        await nodeB.RegisterNodeAsync("b", "http://b", NodeRoles.Coordinator | NodeRoles.ShardHost, TimeSpan.FromMinutes(1));
        Assert.Equal(["a", "b"], (await nodeA.ListNodesAsync()).Select(n => n.Name));
        Assert.Equal(await nodeA.ListNodesAsync(), await nodeB.ListNodesAsync());

        var controller = await nodeA.TryAcquireControllerAsync("a", TimeSpan.FromMinutes(1));
        Assert.NotNull(controller);
        Assert.Null(await nodeB.TryAcquireControllerAsync("b", TimeSpan.FromMinutes(1)));
        Assert.Equal(controller, await nodeB.GetControllerAsync());

        Assert.True(await nodeB.CreateMemoryAsync("m", "{}", 1, 2));
        Assert.Equal(PlacementOutcome.Applied, await nodeA.ApplyPlacementAsync("a", controller.Epoch,
            [PlacementChange.Add("m", 0, "a"), PlacementChange.Add("m", 0, "b")]));
        var onB = await nodeB.ListAssignmentsAsync("m");
        Assert.Equal(["a", "b"], onB.Select(a => a.Node));
        Assert.True(await nodeB.ReportReadyAsync("m", 0, "b", onB[1].Epoch));
        Assert.Equal(AssignmentState.Ready, (await nodeA.ListAssignmentsAsync("m"))[1].State);
    }
}
