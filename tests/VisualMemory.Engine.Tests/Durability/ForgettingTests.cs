using VisualMemory.Engine.Unlearning;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// Unlearning a durable memory's item leaves none of its bytes in any stored object or log once the
/// request is marked forgotten. The index is exact ("Flat"), so the stored bytes of an item are the
/// float32 bytes of its preprocessed (L2-normalised) vector, which a byte scan of every file finds.
/// </summary>
public class ForgettingTests
{
    private const int Dimension = 16;
    private static readonly MemorySettings Settings = new() { SealThreshold = 1_000_000 };
    private static readonly MemoryDefinition Definition = new("m", Dimension, "Flat", Shards: 3, NProbe: 1);

    public enum Selector
    {
        Ids,
        Source,
        Label,
    }

    [Theory]
    [InlineData(Selector.Ids, false)]
    [InlineData(Selector.Ids, true)]
    [InlineData(Selector.Source, false)]
    [InlineData(Selector.Source, true)]
    [InlineData(Selector.Label, false)]
    [InlineData(Selector.Label, true)]
    public async Task Unlearned_items_leave_no_byte_in_objects_or_logs_once_forgotten_and_stay_gone_after_reopen(Selector selector, bool onlyInLog)
    {
        using var directory = new DurableDirectory();
        var (ids, labels, vectors) = Items(60, Dimension, seed: 11);
        // Victims: ids 17 and 18, tagged with their own source and label so each selector picks exactly them.
        long[] victims = [17, 18];
        var sources = ids.Select(id => victims.Contains(id) ? "licence-x" : "licence-ok").ToArray();
        labels = [.. labels.Select((l, i) => victims.Contains(ids[i]) ? "doomed" : l)];
        var keptIds = ids.Where(id => !victims.Contains(id)).ToArray();
        var memory = await LocalMemory.CreateAsync(Definition, Settings, directory.Storage());
        try
        {
            if (onlyInLog)
            {
                // The victims arrive after the last checkpoint: they are in the growing segment and the log only.
                Upsert(memory, ids, labels, vectors, sources, i => !victims.Contains(ids[i]));
                await memory.CheckpointAsync();
                Upsert(memory, ids, labels, vectors, sources, i => victims.Contains(ids[i]));
            }
            else
            {
                memory.Upsert(ids, labels, vectors, sources);
                await memory.CheckpointAsync();
            }
            var stored = victims.Select(v => memory.Preprocess(Row(vectors, (int)v, Dimension))).ToArray();
            foreach (var bytes in stored)
            {
                // Sanity: the scan sees the victim where it must be (segment index or log file).
                var where = directory.FilesContaining(bytes);
                Assert.Contains(where, f => onlyInLog ? f.EndsWith(".wal", StringComparison.Ordinal) : f.EndsWith("index.faiss", StringComparison.Ordinal));
            }

            var record = selector switch
            {
                Selector.Ids => memory.Unlearn(UnlearningKind.Ids, null, victims),
                Selector.Source => memory.Unlearn(UnlearningKind.Source, "licence-x"),
                _ => memory.Unlearn(UnlearningKind.Label, "doomed"),
            };
            Assert.Equal(2, record.Deleted);
            Assert.Null(record.ForgottenAt);
            Assert.Equal(1, memory.StorageStats().PendingForgets);
            AssertGoneFromSearch(memory, victims, keptIds, vectors);
            // Deleted but not yet forgotten: a stored segment or a log file still holds the bytes.
            Assert.All(stored, bytes => Assert.NotEmpty(directory.FilesContaining(bytes)));

            // The pending forget alone makes maintenance checkpoint the shards concerned.
            Assert.True(await memory.MaintainAsync() > 0);
            var forgottenAt = memory.Unlearning.Records.Single().ForgottenAt;
            Assert.NotNull(forgottenAt);
            Assert.Equal(0, memory.StorageStats().PendingForgets);
            Assert.All(stored, bytes => Assert.Empty(directory.FilesContaining(bytes)));
            AssertGoneFromSearch(memory, victims, keptIds, vectors);
            memory.Dispose();

            memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage());
            Assert.Equal(forgottenAt, memory.Unlearning.Records.Single().ForgottenAt);
            Assert.Equal(keptIds.Length, memory.Count);
            AssertGoneFromSearch(memory, victims, keptIds, vectors);
            Assert.All(stored, bytes => Assert.Empty(directory.FilesContaining(bytes)));
        }
        finally
        {
            memory.Dispose();
        }
    }

    private static void Upsert(LocalMemory memory, long[] ids, string[] labels, float[] vectors, string[] sources, Func<int, bool> which)
    {
        var rows = Enumerable.Range(0, ids.Length).Where(which).ToArray();
        memory.Upsert([.. rows.Select(r => ids[r])], [.. rows.Select(r => labels[r])],
            rows.SelectMany(r => Row(vectors, r, Dimension)).ToArray(), [.. rows.Select(r => sources[r])]);
    }

    // Exact search: every kept item is its own nearest neighbour, and no query returns a victim.
    private static void AssertGoneFromSearch(LocalMemory memory, long[] victims, long[] kept, float[] vectors)
    {
        var results = memory.Search(vectors, 60);
        Assert.DoesNotContain(results.SelectMany(r => r), n => victims.Contains(n.Id));
        foreach (var id in kept)
        {
            Assert.Equal(id, results[id][0].Id);
        }
        Assert.All(victims, v => Assert.Null(memory.LabelOf(v)));
    }
}
