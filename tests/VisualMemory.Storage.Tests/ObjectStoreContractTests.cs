using System.Text;
using VisualMemory.Storage;

namespace VisualMemory.Storage.Tests;

/// <summary>The behaviour every <see cref="IObjectStore"/> must have; one subclass per implementation.</summary>
public abstract class ObjectStoreContractTests
{
    protected abstract IObjectStore Store { get; }

    /// <summary>
    /// Whether the server behind the store applies a put atomically. The local store does, and so
    /// do AWS S3 and MinIO; s3rver does not (it truncates and rewrites the object's file in place),
    /// so against it the concurrency test can only check that concurrent puts succeed.
    /// </summary>
    protected virtual bool ServerPutIsAtomic => true;

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(5 * 1024 * 1024 + 17)]
    public async Task Put_then_get_returns_the_same_bytes(int length)
    {
        var content = Bytes(length, length);
        await Store.PutAsync("segments/s1/index.faiss", content);
        Assert.Equal(content, await Store.GetAsync("segments/s1/index.faiss"));
        Assert.True(await Store.ExistsAsync("segments/s1/index.faiss"));
    }

    [Fact]
    public async Task Put_from_a_stream_and_from_a_slice()
    {
        var content = Bytes(300_000, 1);
        using (var stream = new MemoryStream(content))
        {
            await Store.PutAsync("a/stream", stream);
        }
        await Store.PutAsync("a/slice", content.AsMemory(100, 1000));
        Assert.Equal(content, await Store.GetAsync("a/stream"));
        Assert.Equal(content[100..1100], await Store.GetAsync("a/slice"));
    }

    [Fact]
    public async Task Overwrite_replaces_the_whole_object()
    {
        await Store.PutAsync("manifest", Bytes(100_000, 1));
        var shorter = Encoding.UTF8.GetBytes("version 2");
        await Store.PutAsync("manifest", shorter);
        Assert.Equal(shorter, await Store.GetAsync("manifest"));
        var listed = Assert.Single(await Store.ListAsync(""));
        Assert.Equal(new ObjectInfo("manifest", shorter.Length), listed);
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_in_order_with_sizes()
    {
        foreach (var (key, size) in new[] { ("a/2", 2), ("a/1", 1), ("a/b/3", 3), ("ab/4", 4), ("b/5", 5) })
        {
            await Store.PutAsync(key, new byte[size]);
        }
        Assert.Equal([new("a/1", 1), new("a/2", 2), new("a/b/3", 3)], await Store.ListAsync("a/"));
        Assert.Equal(["a/1", "a/2", "a/b/3", "ab/4"], (await Store.ListAsync("a")).Select(o => o.Key));
        Assert.Equal(["a/b/3"], (await Store.ListAsync("a/b")).Select(o => o.Key));
        Assert.Equal(5, (await Store.ListAsync("")).Count);
        Assert.Empty(await Store.ListAsync("zz/"));
        Assert.Empty(await Store.ListAsync("a/c"));
    }

    [Fact]
    public async Task List_returns_every_key_when_there_are_more_than_one_page()
    {
        var keys = Enumerable.Range(0, 40).Select(i => $"log/{i:D5}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (key, ct) => await Store.PutAsync(key, Encoding.UTF8.GetBytes(key), ct));
        Assert.Equal(keys, (await Store.ListAsync("log/")).Select(o => o.Key));
    }

    [Fact]
    public async Task Delete_is_idempotent()
    {
        await Store.PutAsync("x/y", new byte[] { 1, 2, 3 });
        await Store.DeleteAsync("x/y");
        Assert.False(await Store.ExistsAsync("x/y"));
        await Store.DeleteAsync("x/y");
        await Store.DeleteAsync("never/was/here");
        Assert.Empty(await Store.ListAsync(""));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("x/y"));
    }

    [Fact]
    public async Task Get_of_a_missing_object_names_the_key()
    {
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetAsync("segments/missing.bin"));
        Assert.Equal("segments/missing.bin", e.Key);
        Assert.Contains("'segments/missing.bin'", e.Message, StringComparison.Ordinal);
        Assert.Contains(Store.Describe, e.Message, StringComparison.Ordinal);
        Assert.False(await Store.ExistsAsync("segments/missing.bin"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(5 * 1024 * 1024 + 17)]
    public async Task Open_read_streams_the_whole_object_in_pieces(int length)
    {
        var content = Bytes(length, length + 1);
        await Store.PutAsync("datasets/part-0.npy", content);
        using var read = new MemoryStream();
        await using (var stream = await Store.OpenReadAsync("datasets/part-0.npy"))
        {
            Assert.True(stream.CanRead);
            // Small reads, sync and async mixed, as a reader of .npy rows does.
            var buffer = new byte[70_001];
            int n;
            var sync = false;
            while ((n = sync ? stream.Read(buffer, 0, buffer.Length) : await stream.ReadAsync(buffer)) > 0)
            {
                read.Write(buffer, 0, n);
                sync = !sync;
            }
        }
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public async Task Open_read_of_a_missing_object_names_the_key()
    {
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("datasets/missing.npy"));
        Assert.Equal("datasets/missing.npy", e.Key);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync("../escape"));
    }

    public static TheoryData<string> InvalidKeys => new()
    {
        "", "/a", "a/", "a//b", "..", "../a", "a/../b", "./a", "a/.", @"a\b", "a\nb", ".~tmp-1", "a/.~x",
        new string('k', ObjectKey.MaxLength + 1), "a/" + new string('s', ObjectKey.MaxSegmentLength + 1),
    };

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task Invalid_keys_are_rejected(string key)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new byte[] { 1 }));
        Assert.Contains("Invalid object key", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key));
        Assert.Empty(await Store.ListAsync(""));
    }

    [Theory]
    [InlineData("/a")]
    [InlineData("../")]
    [InlineData("a//")]
    [InlineData(@"a\")]
    public async Task Invalid_prefixes_are_rejected(string prefix) =>
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(prefix));

    [Fact]
    public async Task Concurrent_puts_of_one_key_leave_one_complete_version()
    {
        const int length = 1024 * 1024 + 3;
        const int writers = 6;
        await Store.PutAsync("shared", Filled(length, 255));
        using var done = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            while (ServerPutIsAtomic && !done.IsCancellationRequested)
            {
                AssertOneVersion(await Store.GetAsync("shared"), length);
                reads++;
            }
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            for (var round = 0; round < 3; round++)
            {
                await Store.PutAsync("shared", Filled(length, (byte)i));
            }
        })));
        await done.CancelAsync();
        await reader;
        if (ServerPutIsAtomic)
        {
            var final = await Store.GetAsync("shared");
            AssertOneVersion(final, length);
            Assert.InRange(final[0], 0, writers - 1);
            Assert.True(reads > 0);
        }
        await Store.PutAsync("shared", Filled(length, 7));
        Assert.Equal(Filled(length, 7), await Store.GetAsync("shared"));
        Assert.Equal(["shared"], (await Store.ListAsync("")).Select(o => o.Key));
    }

    private static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static void AssertOneVersion(byte[] content, int length)
    {
        Assert.Equal(length, content.Length);
        Assert.True(content.AsSpan().IndexOfAnyExcept(content[0]) < 0, "an object mixes two versions");
    }
}

public sealed class LocalDirectoryObjectStoreTests : ObjectStoreContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-objects-" + Guid.NewGuid().ToString("N"));
    private readonly LocalDirectoryObjectStore _store;

    public LocalDirectoryObjectStoreTests() => _store = new LocalDirectoryObjectStore(_root);

    protected override IObjectStore Store => _store;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Puts_leave_no_temporary_files()
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, 50), async (i, ct) =>
            await _store.PutAsync($"d{i % 3}/k{i % 7}", new byte[i * 100], ct));
        var files = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal((await _store.ListAsync("")).Select(o => o.Key), files);
        Assert.All(files, f => Assert.True(ObjectKey.IsValid(f), f));
        Assert.Equal(0, _store.RemoveTemporaryFiles());
    }

    [Fact]
    public async Task A_failed_put_keeps_the_old_object_and_no_temporary_file()
    {
        await _store.PutAsync("seg/data", new byte[] { 1, 2, 3 });
        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("seg/data", new FailingStream(64 * 1024)));
        Assert.Equal(new byte[] { 1, 2, 3 }, await _store.GetAsync("seg/data"));
        Assert.Single(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Temporary_files_left_by_a_crash_are_not_listed_and_can_be_removed()
    {
        await _store.PutAsync("seg/data", new byte[] { 1 });
        await File.WriteAllBytesAsync(Path.Combine(_root, "seg", ".~tmp-crashed"), new byte[10]);
        Assert.Equal(["seg/data"], (await _store.ListAsync("")).Select(o => o.Key));
        Assert.Equal(1, _store.RemoveTemporaryFiles());
        Assert.Single(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Delete_can_remove_empty_directories()
    {
        var store = new LocalDirectoryObjectStore(_root, removeEmptyDirectories: true);
        await store.PutAsync("m/shard-0/seg-1/index", new byte[] { 1 });
        await store.PutAsync("m/keep", new byte[] { 1 });
        await store.DeleteAsync("m/shard-0/seg-1/index");
        Assert.False(Directory.Exists(Path.Combine(_root, "m", "shard-0")));
        Assert.True(Directory.Exists(Path.Combine(_root, "m")));
        Assert.True(Directory.Exists(_root));
    }

    /// <summary>Yields zeros, then fails after <c>failAfter</c> bytes, as a broken upload source would.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private int _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= failAfter)
            {
                throw new IOException("source failed");
            }
            var n = Math.Min(count, failAfter - _read);
            Array.Clear(buffer, offset, n);
            _read += n;
            return n;
        }
    }
}

/// <summary>The contract against a real S3 server (s3rver); a small list page size exercises paging.</summary>
public sealed class S3ObjectStoreTests : ObjectStoreContractTests, IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly S3ObjectStore _store;

    public S3ObjectStoreTests(S3ServerFixture server)
    {
        ArgumentNullException.ThrowIfNull(server);
        // Each test has its own prefix in the shared bucket, so tests never see each other's keys.
        _store = new S3ObjectStore(server.Options("t-" + Guid.NewGuid().ToString("N"), listPageSize: 7));
    }

    protected override IObjectStore Store => _store;

    /// <summary>s3rver writes objects in place: a reader racing a put can get a short body. AWS S3 itself is atomic.</summary>
    protected override bool ServerPutIsAtomic => false;

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Describe_names_the_bucket_and_prefix() =>
        Assert.StartsWith($"s3://{S3ServerFixture.Bucket}/t-", _store.Describe, StringComparison.Ordinal);
}

public sealed class PrefixedObjectStoreTests : ObjectStoreContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-prefixed-" + Guid.NewGuid().ToString("N"));
    private readonly LocalDirectoryObjectStore _inner;
    private readonly PrefixedObjectStore _store;

    public PrefixedObjectStoreTests()
    {
        _inner = new LocalDirectoryObjectStore(_root);
        _store = new PrefixedObjectStore(_inner, "replicas/m/0/node-a/");
    }

    protected override IObjectStore Store => _store;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Keys_live_under_the_prefix_and_nothing_outside_it_is_seen()
    {
        await _inner.PutAsync("replicas/m/0/node-b/x", new byte[] { 1 });
        await _inner.PutAsync("replicas/m/0/node-a2/x", new byte[] { 2 });
        await _store.PutAsync("memories/m/memory.json", new byte[] { 3, 4 });

        Assert.Equal([3, 4], await _inner.GetAsync("replicas/m/0/node-a/memories/m/memory.json"));
        Assert.Equal([new ObjectInfo("memories/m/memory.json", 2)], await _store.ListAsync(""));
        var missing = await Assert.ThrowsAsync<ObjectNotFoundException>(() => _store.GetAsync("x"));
        Assert.Equal("x", missing.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-slash")]
    [InlineData("/leading/")]
    [InlineData("a//b/")]
    public void Bad_prefixes_are_refused(string prefix) =>
        Assert.Throws<ArgumentException>(() => new PrefixedObjectStore(_inner, prefix));
}
