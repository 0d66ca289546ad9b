using VisualMemory.Engine.Durability;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>Dropping a durable memory removes every object and log it had, even when a crash interrupted the drop.</summary>
public class DropTests
{
    private const int Dimension = 16;
    private static readonly MemorySettings Settings = new() { SealThreshold = 1_000_000 };
    private static MemoryDefinition Definition(string name) => new(name, Dimension, "Flat", Shards: 3, NProbe: 1);

    private static async Task FillAsync(LocalMemory memory)
    {
        var (ids, labels, vectors) = Items(40, Dimension, seed: 50);
        memory.Upsert(ids, labels, vectors);
        await memory.CheckpointAsync();
        // More after the checkpoint, so there are both segments and log records to remove.
        var (more, moreLabels, moreVectors) = Items(10, Dimension, seed: 51, firstId: 100);
        memory.Upsert(more, moreLabels, moreVectors);
    }

    private static async Task AssertNothingStoredAsync(DurableDirectory directory, MemoryStorage storage, string name)
    {
        Assert.Empty(await storage.Objects.ListAsync($"memories/{name}/"));
        var objects = Path.Combine(directory.Objects, "memories", name);
        Assert.False(Directory.Exists(objects) && Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Any());
        Assert.False(Directory.Exists(Path.Combine(storage.LogDirectory, name)));
    }

    [Fact]
    public async Task Destroy_removes_every_object_and_log_and_a_new_memory_of_the_name_starts_empty()
    {
        using var directory = new DurableDirectory();
        var storage = directory.Storage();
        var memory = await LocalMemory.CreateAsync(Definition("m"), Settings, storage);
        using var other = await LocalMemory.CreateAsync(Definition("other"), Settings, storage);
        await FillAsync(memory);
        await FillAsync(other);
        Assert.NotEmpty(await storage.Objects.ListAsync("memories/m/shards/"));

        await memory.DestroyAsync();
        await AssertNothingStoredAsync(directory, storage, "m");
        Assert.Equal(["other"], await storage.ListAsync());
        Assert.Equal(50, other.Count);

        using var again = await LocalMemory.CreateAsync(Definition("m"), Settings, storage);
        Assert.Equal(0, again.Count);
        var (ids, _, vectors) = Items(40, Dimension, seed: 50);
        Assert.Empty(again.Search(vectors, 5).SelectMany(r => r));
        again.Dispose();
        using var reopened = await LocalMemory.OpenAsync("m", Settings, storage);
        Assert.Equal(0, reopened.Count);
        Assert.All(ids, id => Assert.Null(reopened.LabelOf(id)));
    }

    [Fact]
    public async Task Catalog_drop_removes_everything_stored()
    {
        using var directory = new DurableDirectory();
        var storage = directory.Storage();
        using (var catalog = new MemoryCatalog(Settings, storage))
        {
            var (problems, created) = catalog.Create(Definition("m"));
            Assert.Empty(problems);
            await FillAsync(created!);
            Assert.True(catalog.Drop("m"));
            Assert.Empty(catalog.Names);
        }
        await AssertNothingStoredAsync(directory, storage, "m");
        using var restarted = new MemoryCatalog(Settings, storage);
        Assert.Empty(await restarted.LoadAllAsync());
        Assert.Empty(restarted.Names);
    }

    [Fact]
    public async Task A_drop_interrupted_after_the_definition_is_finished_by_the_next_catalog_load()
    {
        using var directory = new DurableDirectory();
        var storage = directory.Storage();
        using (var memory = await LocalMemory.CreateAsync(Definition("m"), Settings, storage))
        {
            await FillAsync(memory);
        }
        using (var kept = await LocalMemory.CreateAsync(Definition("kept"), Settings, storage))
        {
            await FillAsync(kept);
        }
        // A drop deletes the definition first; a crash right after leaves everything else behind.
        await storage.Objects.DeleteAsync("memories/m/memory.json");
        Assert.Equal(["m"], await storage.ListLeftoversAsync());

        using var catalog = new MemoryCatalog(Settings, storage);
        Assert.Empty(await catalog.LoadAllAsync());
        Assert.Equal(["kept"], catalog.Names);
        Assert.Equal(50, catalog.Find("kept")!.Count);
        await AssertNothingStoredAsync(directory, storage, "m");
        Assert.Empty(await storage.ListLeftoversAsync());
    }
}
