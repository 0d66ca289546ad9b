using System.Security.Cryptography;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// A whole memory in one file: definition, labels, trained quantizer, and every shard's segments
/// (FAISS bytes for sealed ones, exact rows for growing ones) with tombstones, followed by a SHA-256
/// of everything before it. Written to a temporary file and renamed, so a crash mid-write leaves
/// the previous snapshot intact. This is the single-node persistence of the walking skeleton;
/// write-ahead logging and object storage replace it (issue 4).
/// </summary>
public static class MemorySnapshot
{
    private const string Magic = "VMSNAP02";

    /// <summary>The snapshot file of a memory inside <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string memoryName) => Path.Combine(directory, memoryName + ".vmsnap");

    /// <summary>Writes <paramref name="memory"/> atomically into <paramref name="directory"/>.</summary>
    public static void Save(LocalMemory memory, string directory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Directory.CreateDirectory(directory);
        var path = PathFor(directory, memory.Definition.Name);
        // A unique temporary name: two saves of one memory (e.g. overlapping host stops) must not share it.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            using var body = new MemoryStream();
            using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                var d = memory.Definition;
                writer.Write(Magic);
                writer.Write(d.Name);
                writer.Write(d.Dimension);
                writer.Write(d.Index);
                writer.Write(d.Shards);
                writer.Write(d.NProbe);
                writer.Write(d.Center?.Count ?? -1);
                foreach (var c in d.Center ?? [])
                {
                    writer.Write(c);
                }
                memory.WriteTo(writer);
            }
            body.Position = 0;
            body.CopyTo(file);
            file.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a snapshot; the checksum is verified before anything is decoded.</summary>
    /// <exception cref="InvalidDataException">Truncated or corrupted file, naming it.</exception>
    public static LocalMemory Load(string path, MemorySettings settings)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < SHA256.HashSizeInBytes
            || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - SHA256.HashSizeInBytes)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - SHA256.HashSizeInBytes)))
        {
            throw new InvalidDataException($"{path}: checksum mismatch; the snapshot is truncated or corrupted and was not loaded");
        }
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - SHA256.HashSizeInBytes));
        if (reader.ReadString() != Magic)
        {
            throw new InvalidDataException($"{path}: not a memory snapshot of this version");
        }
        var definition = new MemoryDefinition(reader.ReadString(), reader.ReadInt32(), reader.ReadString(), reader.ReadInt32(), reader.ReadInt32());
        var centerLength = reader.ReadInt32();
        if (centerLength >= 0)
        {
            var center = new float[centerLength];
            for (var i = 0; i < center.Length; i++)
            {
                center[i] = reader.ReadSingle();
            }
            definition = definition with { Center = center };
        }
        var memory = new LocalMemory(definition, settings);
        try
        {
            memory.ReadFrom(reader);
            return memory;
        }
        catch (Exception e) when (e is FaissException or EndOfStreamException or KeyNotFoundException or FormatException or ArgumentException)
        {
            memory.Dispose();
            throw new InvalidDataException($"{path}: unreadable snapshot: {e.Message}", e);
        }
    }
}
