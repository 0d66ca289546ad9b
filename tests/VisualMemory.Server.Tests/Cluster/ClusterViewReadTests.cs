using VisualMemory.ControlPlane;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// A node's reading of the control plane against another node's writes: a memory created elsewhere is found by the
/// next request however fresh the node's last reading was (read-your-writes across nodes for a caller that has the 201).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes them through IAsyncLifetime.DisposeAsync.")]
public sealed class ClusterViewReadTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-view-").FullName;
    private SqliteClusterStore _store = null!;
    private ClusterView _view = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteClusterStore(Path.Combine(_directory, "cluster.db"));
        await _store.MigrateAsync();
        _view = new ClusterView(_store);
    }

    public async Task DisposeAsync()
    {
        _view.Dispose();
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_memory_created_just_after_a_reading_is_found_by_the_next_lookup()
    {
        for (var round = 0; round < 20; round++)
        {
            // A reading a moment old, then another node's create, then this node's lookup: no wait in between.
            await _view.RefreshAsync(CancellationToken.None);
            var name = $"m{round}";
            Assert.True(await _store.CreateMemoryAsync(name, MemoryDefinitionJson.ToJson(new MemoryDefinition(name, 8, "Flat", Shards: 2, NProbe: 1)), 2, 1));
            var found = await RemoteMemory.FindAsync(_view, name, TimeSpan.FromHours(1), CancellationToken.None);
            Assert.NotNull(found);
            Assert.Equal(2, found.Definition.Shards);
        }
        Assert.Null(await RemoteMemory.FindAsync(_view, "never-created", TimeSpan.FromHours(1), CancellationToken.None));
    }
}
