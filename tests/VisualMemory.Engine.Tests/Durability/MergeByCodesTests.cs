using VisualMemory.Core.Search;
using VisualMemory.Engine.Unlearning;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// Checkpoints fold sealed IVF segments encoded with the memory's quantizer together by moving their codes
/// (<see cref="TieredMergePolicy"/>): a shard bulk loaded in many chunks ends with a few segments, answers
/// bit for bit as if every row had been encoded into one, and forgets deleted rows as before.
/// </summary>
public class MergeByCodesTests
{
    private const int Dimension = 16;

    [Fact]
    public async Task Bulk_loaded_chunks_fold_into_few_segments_that_answer_bit_for_bit_like_one()
    {
        var ivf = new MemoryDefinition("m", Dimension, "IVF8,PQ8np", Shards: 2, NProbe: 8);
        var (ids, labels, vectors) = Items(2_700, Dimension, seed: 21);
        var queries = vectors.AsSpan(0, 50 * Dimension).ToArray();
        long[] deleted = [.. Enumerable.Range(0, 60).Select(i => (long)(i * 41 % 2_700))];
        using var merged = new DurableDirectory();
        using var whole = new DurableDirectory();

        // The reference holds every row in one segment per shard, encoded with the same quantizer.
        using var reference = await LocalMemory.CreateAsync(ivf, new MemorySettings { SealThreshold = 1_000_000, MergeSegments = 0 }, whole.Storage());
        await reference.TrainQuantizerAsync(vectors);
        var quantizer = await reference.SetQuantizerAsync(ReadOnlyMemory<byte>.Empty, keepExisting: true);
        await reference.BulkLoadAsync("all", ids, labels, vectors);
        foreach (var id in deleted)
        {
            reference.Delete(id);
        }
        await reference.CheckpointAsync();
        Assert.All(reference.ShardStats(), s => Assert.Equal(1, s.SealedSegments));
        var expected = reference.Search(queries, 10);

        // 18 chunks of 150 rows (75 a shard): tier 0 below 200 rows; 3 at a time make tier 1, then tier 2.
        var settings = new MemorySettings { SealThreshold = 400, MergeSegments = 3 };
        using (var memory = await LocalMemory.CreateAsync(ivf, settings, merged.Storage()))
        {
            await memory.SetQuantizerAsync(quantizer);
            var most = 0;
            for (var chunk = 0; chunk < 18; chunk++)
            {
                var range = (chunk * 150)..((chunk + 1) * 150);
                await memory.BulkLoadAsync($"job/chunk-{chunk}", ids[range], labels[range], vectors.AsMemory(chunk * 150 * Dimension, 150 * Dimension));
                // Deletes land in the previous chunk's rows, which the merges copy (the last chunk's at the end).
                foreach (var id in deleted.Where(id => id / 150 == chunk - 1 || (chunk == 17 && id / 150 == 17)))
                {
                    memory.Delete(id);
                }
                most = Math.Max(most, memory.ShardStats().Max(s => s.SealedSegments));
            }
            await memory.CheckpointAsync();
            // Without merging each shard would hold 18 segments; tiers keep it under FanIn - 1 per tier.
            Assert.InRange(most, 1, 2 * 3);
            Assert.All(memory.ShardStats(), s => Assert.InRange(s.SealedSegments, 1, 2));
            Assert.Equal(reference.Count, memory.Count);
            AssertSame(expected, memory.Search(queries, 10));
            Assert.All(deleted, id => Assert.Null(memory.LabelOf(id)));
        }

        using var reopened = await LocalMemory.OpenAsync("m", settings, merged.Storage(wal: "fresh-wal"));
        Assert.Equal(reference.Count, reopened.Count);
        AssertSame(expected, reopened.Search(queries, 10));
        var stored = Directory.GetFiles(merged.Objects, "index.faiss", SearchOption.AllDirectories);
        // Folded-away segments' objects were deleted: what is stored is what the manifests name.
        Assert.Equal(reopened.StorageStats().StoredSegments, stored.Length);
    }

    [Fact]
    public async Task Rows_unlearned_before_their_segments_fold_leave_no_byte_in_any_object()
    {
        // IVF-Flat codes are the vectors themselves, so a byte scan of the objects finds a row's codes.
        var ivf = new MemoryDefinition("m", Dimension, "IVF4,Flat", Shards: 1, NProbe: 4);
        var settings = new MemorySettings { SealThreshold = 100, MergeSegments = 2 };
        var (ids, labels, vectors) = Items(240, Dimension, seed: 22);
        long[] victims = [3, 47, 95];
        using var directory = new DurableDirectory();
        using var memory = await LocalMemory.CreateAsync(ivf, settings, directory.Storage());
        await memory.TrainQuantizerAsync(vectors);
        await memory.BulkLoadAsync("a", ids[..60], labels[..60], vectors.AsMemory(0, 60 * Dimension));
        await memory.BulkLoadAsync("b", ids[60..120], labels[60..120], vectors.AsMemory(60 * Dimension, 60 * Dimension));
        var victimBytes = victims.Select(v => memory.Preprocess(Row(vectors, (int)v, Dimension))).ToArray();
        Assert.All(victimBytes, bytes => Assert.NotEmpty(directory.FilesContaining(bytes)));

        var record = memory.Unlearn(UnlearningKind.Ids, null, victims);
        Assert.Equal(3, record.Deleted);
        // More chunks: the segments holding the victims fold with them into bigger ones.
        await memory.BulkLoadAsync("c", ids[120..180], labels[120..180], vectors.AsMemory(120 * Dimension, 60 * Dimension));
        await memory.BulkLoadAsync("d", ids[180..], labels[180..], vectors.AsMemory(180 * Dimension, 60 * Dimension));
        await memory.MaintainAsync();
        await memory.CheckpointAsync();

        Assert.Equal(1, memory.ShardStats().Single().SealedSegments);
        Assert.NotNull(memory.Unlearning.Records.Single().ForgottenAt);
        Assert.All(victimBytes, bytes => Assert.Empty(directory.FilesContaining(bytes)));
        Assert.Equal(237, memory.Count);
        // Every survivor is still found as its own nearest neighbour.
        var survivors = ids.Where(id => !victims.Contains(id)).ToArray();
        var found = memory.Search(vectors, 1);
        Assert.All(survivors, id => Assert.Equal(id, found[id][0].Id));
    }

    // Same ids and bit-identical similarities, in the same order.
    private static void AssertSame(Neighbor[][] expected, Neighbor[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var q = 0; q < expected.Length; q++)
        {
            Assert.Equal(expected[q].Select(n => (n.Id, BitConverter.SingleToInt32Bits(n.Similarity))), actual[q].Select(n => (n.Id, BitConverter.SingleToInt32Bits(n.Similarity))));
        }
    }
}
