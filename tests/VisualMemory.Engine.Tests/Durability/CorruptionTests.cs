using VisualMemory.Storage.Log;
using VisualMemory.Storage.Segments;
using static VisualMemory.Engine.Tests.Durability.DurableDirectory;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// Damaged storage is refused when a memory is opened, naming what is damaged, and left exactly as
/// it was for an operator; a torn log tail (a write never acknowledged) is not damage.
/// </summary>
public class CorruptionTests
{
    private const int Dimension = 16;
    private static readonly MemorySettings Settings = new() { SealThreshold = 1_000_000 };

    public enum Damage
    {
        SegmentIndexByteFlipped,
        SegmentIdsByteFlipped,
        SegmentLabelsTruncated,
        SegmentManifestDeleted,
        ShardManifestCorrupted,
        StateCorrupted,
        DefinitionCorrupted,
        LogRecordInTheMiddleCorrupted,
    }

    // 60 items checkpointed into segments, then three more batches that live only in the logs.
    private static async Task<long[]> WriteMemoryAsync(DurableDirectory directory, string name)
    {
        using var memory = await LocalMemory.CreateAsync(new MemoryDefinition(name, Dimension, "Flat", Shards: 3, NProbe: 1), Settings, directory.Storage());
        var (ids, labels, vectors) = Items(60, Dimension, seed: 21);
        memory.Upsert(ids, labels, vectors);
        await memory.CheckpointAsync();
        for (var batch = 0; batch < 3; batch++)
        {
            var (more, moreLabels, moreVectors) = Items(30, Dimension, seed: 22 + batch, firstId: 100 + batch * 30);
            memory.Upsert(more, moreLabels, moreVectors);
        }
        return [.. Enumerable.Range(0, 60).Select(i => (long)i), .. Enumerable.Range(100, 90).Select(i => (long)i)];
    }

    // Damages one file of memory "m" and returns the name the load error must mention (an object key or a log file path).
    private static string Inflict(DurableDirectory directory, Damage damage, string name = "m")
    {
        string SegmentObject(string file) => Directory.EnumerateFiles(Path.Combine(directory.Objects, "memories", name, "shards", "0", "segments"), file, SearchOption.AllDirectories).Single();
        string Key(string path) => Path.GetRelativePath(directory.Objects, path).Replace(Path.DirectorySeparatorChar, '/');
        void Flip(string path, int at)
        {
            var bytes = File.ReadAllBytes(path);
            bytes[at] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
        }
        switch (damage)
        {
            case Damage.SegmentIndexByteFlipped:
            {
                var path = SegmentObject("index.faiss");
                Flip(path, (int)new FileInfo(path).Length / 2);
                return Key(path);
            }
            case Damage.SegmentIdsByteFlipped:
            {
                var path = SegmentObject("ids.bin");
                Flip(path, 3);
                return Key(path);
            }
            case Damage.SegmentLabelsTruncated:
            {
                var path = SegmentObject("labels.bin");
                using (var stream = new FileStream(path, FileMode.Open))
                {
                    stream.SetLength(stream.Length - 2);
                }
                return Key(path);
            }
            case Damage.SegmentManifestDeleted:
            {
                var path = SegmentObject("manifest.json");
                File.Delete(path);
                return Key(path);
            }
            case Damage.ShardManifestCorrupted:
            {
                var path = Directory.EnumerateFiles(Path.Combine(directory.Objects, "memories", name, "shards", "0"), "manifest-*.json").Order(StringComparer.Ordinal).Last();
                Flip(path, (int)new FileInfo(path).Length / 2);
                return Key(path);
            }
            case Damage.StateCorrupted:
            {
                var path = directory.ObjectFile($"memories/{name}/state.bin");
                Flip(path, 4);
                return Key(path);
            }
            case Damage.DefinitionCorrupted:
            {
                var path = directory.ObjectFile($"memories/{name}/memory.json");
                var bytes = File.ReadAllBytes(path);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                return Key(path);
            }
            case Damage.LogRecordInTheMiddleCorrupted:
            {
                // The checkpoint truncated older files, so this one holds exactly the three later records;
                // a byte of the first one's payload is damaged, with valid records after it.
                var path = Directory.EnumerateFiles(Path.Combine(directory.Wal, name, "0"), "log-*.wal").Single();
                Flip(path, WriteAheadLog.RecordHeaderBytes + 5);
                return path;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(damage));
        }
    }

    private static Dictionary<string, byte[]> Snapshot(DurableDirectory directory) =>
        directory.AllFiles().ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(directory.Root, f)));

    [Theory]
    [InlineData(Damage.SegmentIndexByteFlipped)]
    [InlineData(Damage.SegmentIdsByteFlipped)]
    [InlineData(Damage.SegmentLabelsTruncated)]
    [InlineData(Damage.SegmentManifestDeleted)]
    [InlineData(Damage.ShardManifestCorrupted)]
    [InlineData(Damage.StateCorrupted)]
    [InlineData(Damage.DefinitionCorrupted)]
    [InlineData(Damage.LogRecordInTheMiddleCorrupted)]
    public async Task Opening_damaged_storage_throws_naming_the_damage_and_deletes_nothing(Damage damage)
    {
        using var directory = new DurableDirectory();
        await WriteMemoryAsync(directory, "m");
        var damaged = Inflict(directory, damage);
        var before = Snapshot(directory);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => LocalMemory.OpenAsync("m", Settings, directory.Storage()));

        switch (damage)
        {
            case Damage.ShardManifestCorrupted:
                Assert.Equal(damaged, Assert.IsType<CorruptShardManifestException>(e).Key);
                break;
            case Damage.StateCorrupted or Damage.DefinitionCorrupted:
                Assert.IsType<InvalidDataException>(e);
                break;
            case Damage.LogRecordInTheMiddleCorrupted:
                Assert.Equal(damaged, Assert.IsType<WriteAheadLogCorruptException>(e).FilePath);
                break;
            default:
                Assert.Equal(damaged, Assert.IsType<CorruptSegmentException>(e).Key);
                break;
        }
        Assert.Contains(damaged, e.Message, StringComparison.Ordinal);
        // Nothing deleted, truncated or rewritten: the operator finds the damage as it was.
        var after = Snapshot(directory);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before, file => Assert.Equal(file.Value, after[file.Key]));
    }

    [Fact]
    public async Task A_torn_log_tail_is_cut_and_every_acknowledged_write_loads()
    {
        using var directory = new DurableDirectory();
        var acknowledged = await WriteMemoryAsync(directory, "m");
        var log = Directory.EnumerateFiles(Path.Combine(directory.Wal, "m", "0"), "log-*.wal").Order(StringComparer.Ordinal).Last();
        var garbage = new byte[37];
        new Random(3).NextBytes(garbage);
        using (var stream = new FileStream(log, FileMode.Append))
        {
            stream.Write(garbage);
        }

        using var memory = await LocalMemory.OpenAsync("m", Settings, directory.Storage());
        Assert.Equal(garbage.Length, memory.Shards[0].Store!.Log.RecoveredTailBytes);
        Assert.Equal(acknowledged.Length, memory.Count);
        Assert.All(acknowledged, id => Assert.NotNull(memory.LabelOf(id)));
        // The log takes writes again after the cut.
        var (ids, labels, vectors) = Items(6, Dimension, seed: 30, firstId: 1000);
        await memory.UpsertAsync(ids, labels, vectors);
        Assert.Equal(acknowledged.Length + 6, memory.Count);
    }

    [Fact]
    public async Task Catalog_load_reports_the_damaged_memory_and_serves_the_healthy_one()
    {
        using var directory = new DurableDirectory();
        var healthy = await WriteMemoryAsync(directory, "good");
        await WriteMemoryAsync(directory, "bad");
        var damaged = Inflict(directory, Damage.SegmentIndexByteFlipped, "bad");
        var before = Snapshot(directory);

        using var catalog = new MemoryCatalog(Settings, directory.Storage());
        var failures = await catalog.LoadAllAsync();

        var (name, error) = Assert.Single(failures);
        Assert.Equal("bad", name);
        Assert.Equal(damaged, Assert.IsType<CorruptSegmentException>(error).Key);
        Assert.Equal(["good"], catalog.Names);
        Assert.Equal(healthy.Length, catalog.Find("good")!.Count);
        // The damaged memory's files are kept (it is not mistaken for an interrupted drop).
        var badFiles = before.Keys.Where(f => f.Contains("bad", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(badFiles);
        Assert.All(badFiles, f => Assert.Equal(before[f], File.ReadAllBytes(Path.Combine(directory.Root, f))));
    }
}
