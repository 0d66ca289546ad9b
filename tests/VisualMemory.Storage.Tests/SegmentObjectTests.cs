using System.Text;
using VisualMemory.Faiss;
using VisualMemory.Storage;
using VisualMemory.Storage.Segments;

namespace VisualMemory.Storage.Tests;

/// <summary>Sealed segment objects and shard manifests; one subclass per store.</summary>
public abstract class SegmentObjectContractTests
{
    private const int Dimension = 8;
    private const int Rows = 300;

    private static readonly ShardLocation Shard = new("fashion", 3);

    protected abstract IObjectStore Store { get; }

    private SegmentObjectWriter Writer => new(Store);

    private SegmentObjectReader Reader => new(Store);

    private ShardManifestStore Manifests => new(Store);

    /// <summary>A segment with a real trained IVF index whose ids are row numbers, and the vectors it holds.</summary>
    private static (SealedSegmentData Segment, float[] Vectors) MakeSegment(long number, int rows = Rows)
    {
        var random = new Random((int)number + 1);
        var vectors = new float[rows * Dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)random.NextDouble() - 0.5f;
        }
        using var index = FaissIndex.Create(Dimension, rows >= 200 ? "IVF4,Flat" : "Flat", MetricKind.L2);
        if (rows > 0)
        {
            index.Train(vectors);
            index.Add(vectors, Enumerable.Range(0, rows).Select(r => (long)r).ToArray());
        }
        var segment = new SealedSegmentData(
            number, Dimension, rows,
            Ids: Enumerable.Range(0, rows).Select(r => 1_000_000_000_000L + (number * 10_000) + r).ToArray(),
            Labels: Enumerable.Range(0, rows).Select(r => r % 10).ToArray(),
            Sources: Enumerable.Range(0, rows).Select(r => -r).ToArray(),
            Reliability: Enumerable.Range(0, rows).Select(r => 1f / (r + 1)).ToArray(),
            Flags: Enumerable.Range(0, rows).Select(r => (byte)(r % 3)).ToArray(),
            Index: index.Serialize());
        return (segment, vectors);
    }

    private static void AssertSameSegment(SealedSegmentData expected, SealedSegmentData actual)
    {
        Assert.Equal(expected.Number, actual.Number);
        Assert.Equal(expected.Dimension, actual.Dimension);
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.Sources, actual.Sources);
        Assert.Equal(expected.Reliability, actual.Reliability);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.Index, actual.Index);
    }

    [Fact]
    public async Task A_segment_round_trips_and_its_faiss_index_still_searches()
    {
        var (segment, vectors) = MakeSegment(7);
        var manifest = await Writer.WriteAsync(Shard, segment);

        Assert.Equal(SegmentObjectNames.DataObjects, manifest.Objects.Select(o => o.Name));
        var keys = (await Store.ListAsync(Shard.SegmentPrefix(7))).Select(o => o.Key).ToList();
        Assert.Equal(
            SegmentObjectNames.DataObjects.Append(SegmentObjectNames.Manifest).Select(n => "memories/fashion/shards/3/segments/000000000007/" + n).Order(StringComparer.Ordinal),
            keys);

        var loaded = await Reader.ReadAsync(Shard, 7);
        AssertSameSegment(segment, loaded);

        using var index = FaissIndex.Deserialize(loaded.Index);
        Assert.Equal(Rows, index.Count);
        var hit = index.Search(vectors.AsSpan(42 * Dimension, Dimension), k: 1, nprobe: 4);
        Assert.Equal(42, hit.IdsOf(0)[0]);
        Assert.Equal(segment.Ids[42], loaded.Ids[(int)hit.IdsOf(0)[0]]);

        var read = await Reader.ReadManifestAsync(Shard, 7);
        Assert.Equal(manifest.Objects, read.Objects);
        Assert.Equal(SegmentManifest.CurrentFormatVersion, read.FormatVersion);
        Assert.Equal(manifest.CreatedUtc, read.CreatedUtc);
        Assert.Equal(8L * Rows, read.Objects.Single(o => o.Name == SegmentObjectNames.Ids).Size);
    }

    [Fact]
    public async Task Columns_are_raw_little_endian()
    {
        var (segment, _) = MakeSegment(1, rows: 2);
        await Writer.WriteAsync(Shard, segment);
        var prefix = Shard.SegmentPrefix(1);
        var ids = await Store.GetAsync(prefix + SegmentObjectNames.Ids);
        Assert.Equal(segment.Ids[1], BitConverter.ToInt64(ids, 8));
        Assert.Equal(16, ids.Length);
        Assert.Equal(8, (await Store.GetAsync(prefix + SegmentObjectNames.Labels)).Length);
        Assert.Equal(segment.Flags, await Store.GetAsync(prefix + SegmentObjectNames.Flags));
        Assert.Equal(segment.Index, await Store.GetAsync(prefix + SegmentObjectNames.Index));
    }

    [Fact]
    public async Task An_empty_segment_round_trips()
    {
        var (segment, _) = MakeSegment(0, rows: 0);
        await Writer.WriteAsync(Shard, segment);
        AssertSameSegment(segment, await Reader.ReadAsync(Shard, 0));
    }

    public static TheoryData<string> ObjectNames => [.. SegmentObjectNames.DataObjects];

    public static TheoryData<string> AllObjectNames => [.. SegmentObjectNames.DataObjects, SegmentObjectNames.Manifest];

    [Theory]
    [MemberData(nameof(AllObjectNames))]
    public async Task A_flipped_byte_in_any_object_is_reported_with_its_key(string name)
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentPrefix(5) + name;
        var bytes = await Store.GetAsync(key);
        bytes[bytes.Length / 2] ^= 0x04;
        await Store.PutAsync(key, bytes);

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal(key, e.Key);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
        if (name != SegmentObjectNames.Manifest)
        {
            Assert.Equal(CorruptionKind.ChecksumMismatch, e.Kind);
            Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ObjectNames))]
    public async Task A_truncated_object_is_reported_with_both_sizes(string name)
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentPrefix(5) + name;
        var bytes = await Store.GetAsync(key);
        await Store.PutAsync(key, bytes.AsMemory(0, bytes.Length - 1));

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal(key, e.Key);
        Assert.Equal(CorruptionKind.Truncated, e.Kind);
        Assert.Contains($"truncated: expected {bytes.Length} bytes, got {bytes.Length - 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_longer_than_recorded_is_reported()
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentPrefix(5) + SegmentObjectNames.Labels;
        var bytes = await Store.GetAsync(key);
        await Store.PutAsync(key, bytes.Append((byte)0).ToArray());

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal((key, CorruptionKind.SizeMismatch), (e.Key, e.Kind));
    }

    [Theory]
    [MemberData(nameof(AllObjectNames))]
    public async Task A_missing_object_is_reported_with_its_key(string name)
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentPrefix(5) + name;
        await Store.DeleteAsync(key);

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal((key, CorruptionKind.MissingObject), (e.Key, e.Kind));
        Assert.Contains("missing object", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"kind\":\"visualmemory.segment\"")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"kind\":\"visualmemory.segment\",\"formatVersion\":1,\"sha256\":\"00\",\"body\":{}}")]
    public async Task A_garbage_manifest_is_reported_as_malformed_or_failing_its_checksum(string content)
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentManifestKey(5);
        await Store.PutAsync(key, Encoding.UTF8.GetBytes(content));

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal(key, e.Key);
        Assert.Contains(e.Kind, new[] { CorruptionKind.MalformedManifest, CorruptionKind.ChecksumMismatch });
        if (e.Kind == CorruptionKind.MalformedManifest)
        {
            Assert.Contains("malformed manifest JSON", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unknown_format_version_is_refused_clearly()
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        var key = Shard.SegmentManifestKey(5);
        var text = Encoding.UTF8.GetString(await Store.GetAsync(key));
        Assert.Contains("\"formatVersion\": 1,", text, StringComparison.Ordinal);
        await Store.PutAsync(key, Encoding.UTF8.GetBytes(text.Replace("\"formatVersion\": 1,", "\"formatVersion\": 2,", StringComparison.Ordinal)));

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 5));
        Assert.Equal((key, CorruptionKind.UnsupportedFormatVersion), (e.Key, e.Kind));
        Assert.Contains("unsupported format version 2 (this build reads version 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_stored_under_another_segment_number_is_refused()
    {
        await Writer.WriteAsync(Shard, MakeSegment(5).Segment);
        await Writer.WriteAsync(Shard, MakeSegment(6).Segment);
        var key = Shard.SegmentManifestKey(6);
        await Store.PutAsync(key, await Store.GetAsync(Shard.SegmentManifestKey(5)));

        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 6));
        Assert.Equal((key, CorruptionKind.Inconsistent), (e.Key, e.Kind));
        Assert.Contains("for segment 5 but is stored as segment 6", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_segment_whose_manifest_was_never_written_is_not_listed_or_loaded()
    {
        await Writer.WriteAsync(Shard, MakeSegment(1).Segment);
        // An interrupted write: data objects of segment 2 put, its manifest not.
        await Writer.WriteAsync(Shard, MakeSegment(2).Segment);
        await Store.DeleteAsync(Shard.SegmentManifestKey(2));
        Assert.NotEmpty(await Store.ListAsync(Shard.SegmentPrefix(2)));

        var listing = await Reader.ListAsync(Shard);
        Assert.Equal([1L], listing.Sealed);
        Assert.Equal([2L], listing.Unsealed);
        var e = await Assert.ThrowsAsync<CorruptSegmentException>(() => Reader.ReadAsync(Shard, 2));
        Assert.Equal((Shard.SegmentManifestKey(2), CorruptionKind.MissingObject), (e.Key, e.Kind));

        // Sealing it again (the writer's retry) makes it whole.
        var (segment, _) = MakeSegment(2);
        await Writer.WriteAsync(Shard, segment);
        AssertSameSegment(segment, await Reader.ReadAsync(Shard, 2));
        Assert.Equal([1L, 2L], (await Reader.ListAsync(Shard)).Sealed);
    }

    [Fact]
    public async Task A_sealed_segment_cannot_be_overwritten_and_delete_removes_every_object()
    {
        await Writer.WriteAsync(Shard, MakeSegment(4).Segment);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Writer.WriteAsync(Shard, MakeSegment(4, rows: 3).Segment));
        await Writer.DeleteAsync(Shard, 4);
        Assert.Empty(await Store.ListAsync(Shard.SegmentPrefix(4)));
        await Writer.DeleteAsync(Shard, 4);
    }

    [Fact]
    public async Task Columns_that_disagree_with_the_row_count_are_rejected_before_anything_is_written()
    {
        var (segment, _) = MakeSegment(9, rows: 4);
        await Assert.ThrowsAsync<ArgumentException>(() => Writer.WriteAsync(Shard, segment with { Labels = [1, 2, 3] }));
        Assert.Empty(await Store.ListAsync(""));
    }

    [Fact]
    public async Task Shard_manifest_generations_newest_wins()
    {
        Assert.Null(await Manifests.ReadLatestAsync(Shard));
        var time = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await Manifests.WriteAsync(Shard, new ShardManifest(1, [0], 100, time));
        await Manifests.WriteAsync(Shard, new ShardManifest(2, [0, 1], 250, time.AddMinutes(1)));
        await Manifests.WriteAsync(Shard, new ShardManifest(10, [1, 2], 900, time.AddMinutes(2)));

        Assert.Equal([1L, 2L, 10L], await Manifests.ListGenerationsAsync(Shard));
        var latest = await Manifests.ReadLatestAsync(Shard);
        Assert.NotNull(latest);
        Assert.Equal((10L, 900L, time.AddMinutes(2)), (latest.Generation, latest.LogPosition, latest.CreatedUtc));
        Assert.Equal([1L, 2L], latest.Segments);
        Assert.True(await Store.ExistsAsync("memories/fashion/shards/3/manifest-000000000010.json"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Manifests.WriteAsync(Shard, new ShardManifest(10, [3], 901, time)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Manifests.WriteAsync(Shard, new ShardManifest(3, [3], 901, time)));

        await Manifests.DeleteGenerationsBeforeAsync(Shard, 10);
        Assert.Equal([10L], await Manifests.ListGenerationsAsync(Shard));
    }

    [Fact]
    public async Task Shard_manifest_origins_round_trip_and_manifests_without_them_read_as_none()
    {
        var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        // Generation 1 is written as before origins existed: the body has no "origins" field at all.
        await Manifests.WriteAsync(Shard, new ShardManifest(1, [0], 100, time));
        Assert.DoesNotContain("origins", System.Text.Encoding.UTF8.GetString(await Store.GetAsync(Shard.ShardManifestKey(1))), StringComparison.Ordinal);
        Assert.Null((await Manifests.ReadLatestAsync(Shard))!.Origins);

        var origins = new Dictionary<string, long> { ["job-7/part-00012/chunk-3"] = 12_345, ["job-7/part-00000/chunk-0"] = 0, ["ünïcode \"quoted\""] = 7 };
        await Manifests.WriteAsync(Shard, new ShardManifest(2, [0, 1], 250, time, origins));
        var latest = await Manifests.ReadLatestAsync(Shard);
        Assert.NotNull(latest?.Origins);
        Assert.Equal(origins.OrderBy(o => o.Key, StringComparer.Ordinal), latest.Origins.OrderBy(o => o.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("version")]
    public async Task A_corrupt_newest_shard_manifest_is_refused_not_skipped(string damage)
    {
        var time = DateTimeOffset.UnixEpoch;
        await Manifests.WriteAsync(Shard, new ShardManifest(1, [0, 1], 100, time));
        await Manifests.WriteAsync(Shard, new ShardManifest(2, [1], 200, time));
        var key = Shard.ShardManifestKey(2);
        var bytes = await Store.GetAsync(key);
        switch (damage)
        {
            case "flip":
                var segments = Encoding.UTF8.GetString(bytes).IndexOf("\"segments\"", StringComparison.Ordinal);
                bytes[segments + 18] ^= 0x01;   // inside the segment list: still valid JSON, different numbers
                break;
            case "truncate":
                bytes = bytes[..(bytes.Length / 2)];
                break;
            default:
                bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\"formatVersion\": 1,", "\"formatVersion\": 7,", StringComparison.Ordinal));
                break;
        }
        await Store.PutAsync(key, bytes);

        var e = await Assert.ThrowsAsync<CorruptShardManifestException>(() => Manifests.ReadLatestAsync(Shard));
        Assert.Equal(key, e.Key);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
        Assert.Equal(
            damage switch { "flip" => CorruptionKind.ChecksumMismatch, "truncate" => CorruptionKind.MalformedManifest, _ => CorruptionKind.UnsupportedFormatVersion },
            e.Kind);

        var report = await Manifests.InspectAsync(Shard);
        Assert.Equal([1L, 2L], report.Select(g => g.Generation));
        Assert.NotNull(report[0].Manifest);
        Assert.Null(report[0].Error);
        Assert.Null(report[1].Manifest);
        Assert.Equal(key, report[1].Error!.Key);
        Assert.Equal([0L, 1L], (await Manifests.ReadAsync(Shard, 1)).Segments);
    }

    [Fact]
    public async Task A_shard_manifest_copied_to_another_generation_or_a_segment_manifest_in_its_place_is_refused()
    {
        await Manifests.WriteAsync(Shard, new ShardManifest(1, [0], 1, DateTimeOffset.UnixEpoch));
        await Store.PutAsync(Shard.ShardManifestKey(2), await Store.GetAsync(Shard.ShardManifestKey(1)));
        var e = await Assert.ThrowsAsync<CorruptShardManifestException>(() => Manifests.ReadLatestAsync(Shard));
        Assert.Equal((Shard.ShardManifestKey(2), CorruptionKind.Inconsistent), (e.Key, e.Kind));

        await Writer.WriteAsync(Shard, MakeSegment(0, rows: 1).Segment);
        await Store.PutAsync(Shard.ShardManifestKey(3), await Store.GetAsync(Shard.SegmentManifestKey(0)));
        e = await Assert.ThrowsAsync<CorruptShardManifestException>(() => Manifests.ReadLatestAsync(Shard));
        Assert.Equal((Shard.ShardManifestKey(3), CorruptionKind.Inconsistent), (e.Key, e.Kind));
    }
}

public sealed class LocalSegmentObjectTests : SegmentObjectContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-segments-" + Guid.NewGuid().ToString("N"));
    private readonly LocalDirectoryObjectStore _store;

    public LocalSegmentObjectTests() => _store = new LocalDirectoryObjectStore(_root);

    protected override IObjectStore Store => _store;

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

public sealed class S3SegmentObjectTests : SegmentObjectContractTests, IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly S3ObjectStore _store;

    public S3SegmentObjectTests(S3ServerFixture server)
    {
        ArgumentNullException.ThrowIfNull(server);
        _store = new S3ObjectStore(server.Options("seg-" + Guid.NewGuid().ToString("N"), listPageSize: 5));
    }

    protected override IObjectStore Store => _store;

    public void Dispose() => _store.Dispose();
}

public sealed class ShardLocationTests
{
    [Fact]
    public void Keys_follow_the_documented_layout()
    {
        var shard = new ShardLocation("m1", 0);
        Assert.Equal("memories/m1/shards/0/", shard.Prefix);
        Assert.Equal("memories/m1/shards/0/segments/000000000012/", shard.SegmentPrefix(12));
        Assert.Equal("memories/m1/shards/0/segments/000000000012/manifest.json", shard.SegmentManifestKey(12));
        Assert.Equal("memories/m1/shards/0/manifest-000000000004.json", shard.ShardManifestKey(4));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData(".~x")]
    public void Memory_names_that_are_not_one_key_segment_are_rejected(string memory) =>
        Assert.Throws<ArgumentException>(() => new ShardLocation(memory, 0));
}
