using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace VisualMemory.Engine.Durability;

/// <summary>What a write-ahead-log record of a shard does.</summary>
public enum ShardLogRecordKind : byte
{
    /// <summary>Adds or replaces items.</summary>
    Upsert = 1,

    /// <summary>Deletes items.</summary>
    Delete = 2,
}

/// <summary>
/// One write of a shard as its write-ahead log stores it. Labels and sources travel as strings
/// (a small table per record), not vocabulary indexes, so replay does not depend on the memory's
/// vocabulary having been saved; vectors are stored as the index holds them (centred, normalised).
/// </summary>
/// <remarks>
/// Payload, little-endian: u8 kind; for upserts i32 n, i32 d, i32 string count, strings (i32 byte
/// length + UTF-8), then n × (i64 id, i32 label string, i32 source string or -1), then n×d f32; for
/// deletes i32 n then n × i64 id.
/// </remarks>
/// <param name="Kind">Upsert or delete.</param>
/// <param name="Ids">The items' ids.</param>
/// <param name="Labels">Upserts: each item's label; empty for deletes.</param>
/// <param name="Sources">Upserts: each item's source tag or null; empty for deletes.</param>
/// <param name="Vectors">Upserts: one row per item; empty for deletes.</param>
#pragma warning disable CA1819 // a transfer record of columns, like SealedSegmentData
public sealed record ShardLogRecord(ShardLogRecordKind Kind, long[] Ids, string[] Labels, string?[] Sources, float[] Vectors)
#pragma warning restore CA1819
{
    /// <summary>Encodes an upsert of rows <paramref name="ids"/> with the given label and source names.</summary>
    public static byte[] EncodeUpsert(ReadOnlySpan<long> ids, ReadOnlySpan<int> labels, ReadOnlySpan<int> sources, ReadOnlySpan<float> vectors, int dimension,
        Func<int, string> labelName, Func<int, string> sourceName)
    {
        ArgumentNullException.ThrowIfNull(labelName);
        ArgumentNullException.ThrowIfNull(sourceName);
        // One string table for labels and sources; a batch usually repeats a handful of them.
        var table = new List<byte[]>();
        var labelSlot = new Dictionary<int, int>();
        var sourceSlot = new Dictionary<int, int>();
        int Slot(Dictionary<int, int> slots, int index, Func<int, string> name)
        {
            if (!slots.TryGetValue(index, out var slot))
            {
                slot = table.Count;
                table.Add(Encoding.UTF8.GetBytes(name(index)));
                slots[index] = slot;
            }
            return slot;
        }
        var labelSlots = new int[ids.Length];
        var sourceSlots = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            labelSlots[i] = Slot(labelSlot, labels[i], labelName);
            sourceSlots[i] = sources[i] < 0 ? -1 : Slot(sourceSlot, sources[i], sourceName);
        }
        var size = 1 + 12 + table.Sum(t => 4 + t.Length) + ids.Length * 16 + vectors.Length * 4;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = (byte)ShardLogRecordKind.Upsert;
        var at = 1;
        Write(span, ref at, ids.Length);
        Write(span, ref at, dimension);
        Write(span, ref at, table.Count);
        foreach (var entry in table)
        {
            Write(span, ref at, entry.Length);
            entry.CopyTo(span[at..]);
            at += entry.Length;
        }
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], ids[i]);
            at += 8;
            Write(span, ref at, labelSlots[i]);
            Write(span, ref at, sourceSlots[i]);
        }
        MemoryMarshal.AsBytes(vectors).CopyTo(span[at..]);
        return bytes;
    }

    /// <summary>Encodes a delete of <paramref name="ids"/>.</summary>
    public static byte[] EncodeDelete(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new byte[1 + 4 + ids.Count * 8];
        bytes[0] = (byte)ShardLogRecordKind.Delete;
        var at = 1;
        Write(bytes, ref at, ids.Count);
        foreach (var id in ids)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), id);
            at += 8;
        }
        return bytes;
    }

    /// <summary>Decodes a payload written by <see cref="EncodeUpsert"/> or <see cref="EncodeDelete"/>.</summary>
    /// <exception cref="InvalidDataException">The payload is not a record of this format (the log's checksum passed, so this is a bug or a foreign log).</exception>
    public static ShardLogRecord Decode(ReadOnlySpan<byte> payload, int dimension)
    {
        try
        {
            var at = 1;
            switch ((ShardLogRecordKind)payload[0])
            {
                case ShardLogRecordKind.Delete:
                {
                    var n = Read(payload, ref at);
                    var ids = new long[n];
                    for (var i = 0; i < n; i++)
                    {
                        ids[i] = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
                        at += 8;
                    }
                    return new ShardLogRecord(ShardLogRecordKind.Delete, ids, [], [], []);
                }
                case ShardLogRecordKind.Upsert:
                {
                    var n = Read(payload, ref at);
                    var d = Read(payload, ref at);
                    if (d != dimension)
                    {
                        throw new InvalidDataException($"an upsert record of dimension {d} in a log of dimension {dimension}");
                    }
                    var table = new string[Read(payload, ref at)];
                    for (var t = 0; t < table.Length; t++)
                    {
                        var length = Read(payload, ref at);
                        table[t] = Encoding.UTF8.GetString(payload.Slice(at, length));
                        at += length;
                    }
                    var ids = new long[n];
                    var labels = new string[n];
                    var sources = new string?[n];
                    for (var i = 0; i < n; i++)
                    {
                        ids[i] = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
                        at += 8;
                        labels[i] = table[Read(payload, ref at)];
                        var source = Read(payload, ref at);
                        sources[i] = source < 0 ? null : table[source];
                    }
                    var vectors = MemoryMarshal.Cast<byte, float>(payload.Slice(at, checked(n * d * 4))).ToArray();
                    return new ShardLogRecord(ShardLogRecordKind.Upsert, ids, labels, sources, vectors);
                }
                default:
                    throw new InvalidDataException($"unknown log record kind {payload[0]}");
            }
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException("a write-ahead-log record is malformed", e);
        }
    }

    private static void Write(Span<byte> span, ref int at, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], value);
        at += 4;
    }

    private static int Read(ReadOnlySpan<byte> span, ref int at)
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        at += 4;
        return value;
    }
}
