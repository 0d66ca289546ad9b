using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Engine.Durability;
using VisualMemory.Storage;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>Checkpoints merge small sealed segments, so their number stays bounded, with no item lost or resurrected.</summary>
public sealed class SegmentMergeTests : IDisposable
{
    private const int D = 16;
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-merge-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Many_small_checkpoints_keep_few_segments_and_exact_results()
    {
        var storage = new MemoryStorage(new LocalDirectoryObjectStore(Path.Combine(_directory, "objects")), Path.Combine(_directory, "wal"));
        var settings = new MemorySettings { SealThreshold = 1000, MergeSegments = 4 };
        var definition = new MemoryDefinition("m", D, "Flat", Shards: 2, NProbe: 1);
        var (vectors, labels) = SyntheticClusters.Generate(1200, D, clusters: 5, spread: 0.5, seed: 7);
        using var reference = new LocalMemory(definition, new MemorySettings { SealThreshold = 1_000_000 });
        var queries = vectors.Data.AsSpan(0, 30 * D).ToArray();
        Neighbor[][] expected;
        using (var memory = await LocalMemory.CreateAsync(definition, settings, storage))
        {
            var maxSegments = 0;
            for (var round = 0; round < 12; round++)
            {
                long[] ids = [.. Enumerable.Range(round * 100, 100).Select(i => (long)i)];
                var rows = vectors.Data.AsSpan(round * 100 * D, 100 * D).ToArray();
                var names = labels.AsSpan(round * 100, 100).ToArray();
                memory.Upsert(ids, names, rows);
                reference.Upsert(ids, names, rows);
                // Deletes and replacements reach rows that merges copy.
                long[] doomed = [.. Enumerable.Range(0, 5).Select(i => (long)(round * 97 + i * 13) % ((round + 1) * 100))];
                foreach (var id in doomed)
                {
                    Assert.Equal(reference.Delete(id), memory.Delete(id));
                }
                await memory.CheckpointAsync();
                maxSegments = Math.Max(maxSegments, memory.StorageStats().StoredSegments);
            }
            // 12 checkpoints × 2 shards would be 24 segments without merging.
            Assert.InRange(maxSegments, 2, 2 * 4);
            Assert.Equal(reference.Count, memory.Count);
            expected = reference.Search(queries, 20);
            Assert.Equal(Ids(expected), Ids(memory.Search(queries, 20)));
        }
        using var reopened = await LocalMemory.OpenAsync("m", settings, storage);
        Assert.Equal(reference.Count, reopened.Count);
        Assert.Equal(Ids(expected), Ids(reopened.Search(queries, 20)));
        var stored = Directory.GetFiles(Path.Combine(_directory, "objects", "memories", "m", "shards"), "index.faiss", SearchOption.AllDirectories);
        // Merged-away segments' objects were deleted: what is stored is what the manifests name.
        Assert.Equal(reopened.StorageStats().StoredSegments, stored.Length);
    }

    private static long[][] Ids(Neighbor[][] results) => [.. results.Select(r => r.Select(n => n.Id).ToArray())];
}
