using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VisualMemory.Storage.Segments;

/// <summary>Raw little-endian column encoding: no header, the manifest records size and checksum.</summary>
internal static class Columns
{
    public static byte[] Encode(long[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(bytes.AsSpan()), MemoryMarshal.Cast<byte, long>(bytes.AsSpan()));
        }
        return bytes;
    }

    public static byte[] Encode(int[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(bytes.AsSpan()), MemoryMarshal.Cast<byte, int>(bytes.AsSpan()));
        }
        return bytes;
    }

    public static byte[] Encode(float[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
        return bytes;
    }

    public static long[] DecodeInt64(byte[] bytes)
    {
        var values = MemoryMarshal.Cast<byte, long>(bytes.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }
        return values;
    }

    public static int[] DecodeInt32(byte[] bytes)
    {
        var values = MemoryMarshal.Cast<byte, int>(bytes.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(values, values);
        }
        return values;
    }

    public static float[] DecodeSingle(byte[] bytes)
    {
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
        return values;
    }

    /// <summary>Bytes per row of each data object; the index has no fixed size.</summary>
    public static int? BytesPerRow(string name) => name switch
    {
        SegmentObjectNames.Ids => sizeof(long),
        SegmentObjectNames.Labels or SegmentObjectNames.Sources or SegmentObjectNames.Reliability => sizeof(int),
        SegmentObjectNames.Flags => sizeof(byte),
        _ => null,
    };
}
