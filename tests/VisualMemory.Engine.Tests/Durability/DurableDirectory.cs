using System.Runtime.InteropServices;
using VisualMemory.Datasets;
using VisualMemory.Engine.Durability;
using VisualMemory.Storage;

namespace VisualMemory.Engine.Tests.Durability;

/// <summary>
/// A temporary data directory for durable-memory tests: objects under <c>objects/</c>, write-ahead
/// logs under <c>wal/</c> (or another log directory, for "fresh node" tests), deleted at the end.
/// </summary>
public sealed class DurableDirectory : IDisposable
{
    public DurableDirectory() => Root = Directory.CreateTempSubdirectory("vm-durability-").FullName;

    public string Root { get; }

    public string Objects => Path.Combine(Root, "objects");

    public string Wal => Path.Combine(Root, "wal");

    public MemoryStorage Storage(string wal = "wal") =>
        new(new LocalDirectoryObjectStore(Objects), Path.Combine(Root, wal));

    /// <summary>The file behind object <paramref name="key"/>.</summary>
    public string ObjectFile(string key) => Path.Combine(Objects, key.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every file under the directory, relative paths, sorted.</summary>
    public IReadOnlyList<string> AllFiles() =>
        [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal)];

    /// <summary>The files (relative paths) whose bytes contain <paramref name="pattern"/> anywhere.</summary>
    public IReadOnlyList<string> FilesContaining(ReadOnlySpan<byte> pattern)
    {
        var found = new List<string>();
        foreach (var file in AllFiles())
        {
            if (Read(Path.Combine(Root, file)).AsSpan().IndexOf(pattern) >= 0)
            {
                found.Add(file);
            }
        }
        return found;
    }

    // Shares like the write-ahead log's own readers, so open logs can be scanned too. An open log's
    // wal.lock is locked exclusively; it is never written, so an unreadable one must be empty.
    private static byte[] Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (IOException) when (Path.GetFileName(path) == "wal.lock")
        {
            Assert.Equal(0, new FileInfo(path).Length);
            return [];
        }
    }

    /// <summary>The files containing the float32 bytes of <paramref name="vector"/> (little-endian, as stored).</summary>
    public IReadOnlyList<string> FilesContaining(float[] vector)
    {
        Assert.True(BitConverter.IsLittleEndian);
        return FilesContaining(MemoryMarshal.AsBytes(vector.AsSpan()));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a test that failed may still hold a log open.
        }
    }

    /// <summary>Clustered test items with ids <paramref name="firstId"/>.. and one label per cluster.</summary>
    public static (long[] Ids, string[] Labels, float[] Vectors) Items(int count, int dimension, int seed, long firstId = 0)
    {
        var (vectors, labels) = SyntheticClusters.Generate(count, dimension, clusters: 4, spread: 0.5, seed);
        return ([.. Enumerable.Range(0, count).Select(i => firstId + i)], labels, vectors.Data);
    }

    /// <summary>Row <paramref name="row"/> of a row-major matrix of <paramref name="dimension"/> columns.</summary>
    public static float[] Row(float[] vectors, int row, int dimension) => vectors.AsSpan(row * dimension, dimension).ToArray();
}
