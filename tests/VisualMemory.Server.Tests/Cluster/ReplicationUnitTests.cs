using VisualMemory.Cluster.Protocol;
using VisualMemory.Core.Routing;
using VisualMemory.Engine;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Cluster.Replication;

namespace VisualMemory.Server.Tests.Cluster;

/// <summary>
/// The in-process parts of replication: how a coordinator splits writes by shard, and how a replica
/// applies, buffers and replays forwarded writes (the convergence a catch-up relies on).
/// </summary>
public sealed class ReplicationUnitTests
{
    private const int D = 4;

    [Fact]
    public void Upserts_split_by_the_single_node_router_keep_every_row_once_with_its_vector_and_source()
    {
        long[] ids = [.. Enumerable.Range(0, 50).Select(i => (long)i * 7919)];
        string[] labels = [.. ids.Select(i => $"l{i % 3}")];
        string?[] sources = [.. ids.Select(i => i % 2 == 0 ? "a" : null)];
        float[] vectors = [.. Enumerable.Range(0, ids.Length * D).Select(i => (float)i)];

        var writes = ClusterWriter.SplitUpsert("m", 4, D, ids, labels, sources, vectors);

        Assert.Equal(writes.Select(w => w.Shard).Order(), writes.Select(w => w.Shard));
        Assert.Equal(ids.Order(), writes.SelectMany(w => w.Ids).Order());
        foreach (var write in writes)
        {
            Assert.All(write.Ids, id => Assert.Equal(write.Shard, ShardRouter.ShardOf(id, 4)));
            for (var j = 0; j < write.Ids.Count; j++)
            {
                var row = Array.IndexOf(ids, write.Ids[j]);
                Assert.Equal(labels[row], write.Labels[j]);
                Assert.Equal(sources[row] ?? "", write.Sources[j]);
                Assert.Equal(vectors.AsSpan(row * D, D).ToArray(), write.Vectors.Skip(j * D).Take(D));
            }
        }
        Assert.All(ClusterWriter.SplitUpsert("m", 4, D, ids, labels, null, vectors), w => Assert.Empty(w.Sources));
    }

    [Fact]
    public void Deletes_split_by_shard_without_duplicates_and_label_requests_go_to_every_shard()
    {
        var writes = ClusterWriter.SplitIds("m", 3, WriteKind.UnlearnIds, [5, 5, 6, 7, 8, 9]);
        Assert.Equal([5, 6, 7, 8, 9], writes.SelectMany(w => w.Ids).Order());
        Assert.All(writes, w => Assert.All(w.Ids, id => Assert.Equal(w.Shard, ShardRouter.ShardOf(id, 3))));
        var broadcast = ClusterWriter.Broadcast("m", 3, WriteKind.UnlearnLabel, "cat");
        Assert.Equal([0, 1, 2], broadcast.Select(w => w.Shard));
        Assert.All(broadcast, w => Assert.Equal("cat", w.Selector));
    }

    [Fact]
    public async Task A_catching_up_replica_buffers_forwarded_writes_and_replaying_them_over_a_newer_copy_converges()
    {
        // The primary's history: upsert 1..4, delete 2, re-upsert 3 with another label, unlearn label b.
        List<ShardWrite> history = [Upsert([1, 2, 3, 4], "a"), Delete(2), Upsert([3], "b"), Upsert([5], "b"), UnlearnLabel("b", [3, 5])];
        using var primary = new LocalMemory(Definition(), new MemorySettings());
        foreach (var write in history)
        {
            await HostedReplica.ApplyAsync(primary, WithPrimary(write));
        }

        // The joiner's copy was taken after the third write; writes from the second on were forwarded to it.
        using var replica = new HostedReplica("m", 0, 1, "session");
        using var copy = new LocalMemory(Definition(), new MemorySettings());
        foreach (var write in history.Take(3))
        {
            await HostedReplica.ApplyAsync(copy, WithPrimary(write));
        }
        foreach (var write in history.Skip(1))
        {
            var (durable, _) = await replica.ReceiveAsync(WithPrimary(write));
            Assert.False(durable);
        }
        Assert.Null(replica.Data);
        await replica.GoLiveAsync(copy);
        Assert.True(replica.Live);

        Assert.Equal(Items(primary), Items(copy));
        Assert.Equal([(1L, "a"), (4L, "a")], Items(copy));
        var (live, deleted) = await replica.ReceiveAsync(WithPrimary(Delete(4)));
        Assert.True(live);
        Assert.Equal([4L], deleted.Deleted);
    }

    [Fact]
    public async Task A_bulk_load_write_is_applied_once_per_replica_even_when_a_catching_up_replica_replays_it()
    {
        var chunk = Upsert([1, 2, 3], "a");
        chunk.Kind = WriteKind.BulkLoad;
        chunk.Origin = "job-1/part-0/row-0";
        var split = ClusterWriter.SplitBulkLoad("m", 4, D, chunk.Origin, [1, 2, 3, 4], ["a", "a", "a", "a"], null, new float[16]);
        Assert.All(split, w => Assert.Equal((WriteKind.BulkLoad, chunk.Origin), (w.Kind, w.Origin)));

        // The copy was taken after the chunk was loaded; the chunk was also forwarded to the joiner's buffer.
        using var copy = new LocalMemory(Definition(), new MemorySettings());
        var first = await HostedReplica.ApplyAsync(copy, WithPrimary(chunk));
        Assert.Equal((3L, 0L, 0L), (first.Added, first.Duplicates, first.AlreadyLoadedRows));
        using var replica = new HostedReplica("m", 0, 1, "session");
        Assert.False((await replica.ReceiveAsync(WithPrimary(chunk))).Durable);
        await replica.GoLiveAsync(copy);
        Assert.Equal([(1L, "a"), (2L, "a"), (3L, "a")], Items(copy));

        // A job's retry of the same chunk: reported as loaded before, with what it added then.
        var (live, again) = await replica.ReceiveAsync(WithPrimary(chunk));
        Assert.True(live);
        Assert.Equal((0L, 0L, 3L, 3L), (again.Added, again.Duplicates, again.AlreadyLoadedRows, again.PreviouslyAdded));
        Assert.Equal(3, Items(copy).Count);
    }

    private static MemoryDefinition Definition() => new("m", D, "Flat", 1, 1);

    private static List<(long, string)> Items(LocalMemory memory) =>
        [.. memory.SearchNormalised(new float[] { 1, 0, 0, 0 }, 10)[0].Select(n => (n.Id, memory.Labels[n.Label])).OrderBy(x => x.Id)];

    private static ShardWrite WithPrimary(ShardWrite write)
    {
        var sent = write.Clone();
        sent.Primary = "p";
        sent.Term = 1;
        return sent;
    }

    private static ShardWrite Upsert(long[] ids, string label)
    {
        var write = new ShardWrite { Memory = "m", Kind = WriteKind.Upsert };
        write.Ids.AddRange(ids);
        write.Labels.AddRange(ids.Select(_ => label));
        write.Vectors.AddRange(ids.SelectMany(id => new float[] { 1, id, 0, 0 }));
        return write;
    }

    private static ShardWrite Delete(long id)
    {
        var write = new ShardWrite { Memory = "m", Kind = WriteKind.Delete };
        write.Ids.Add(id);
        return write;
    }

    // As a primary forwards it: the label resolved to the ids it deleted.
    private static ShardWrite UnlearnLabel(string label, long[] ids)
    {
        var write = new ShardWrite { Memory = "m", Kind = WriteKind.UnlearnLabel, Selector = label };
        write.Ids.AddRange(ids);
        return write;
    }
}
