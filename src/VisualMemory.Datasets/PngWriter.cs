using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VisualMemory.Datasets;

/// <summary>
/// Encodes 8-bit greyscale images as PNG (colour type 0, no interlace, filter 0 on every row): the
/// smallest encoder that lets <c>vm prepare --images</c> write dataset images any decoder reads,
/// without an imaging dependency in the dataset tools.
/// </summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG chunks use it. A table of 256 entries:
    // System.IO.Hashing is not in this workplace's NuGet copy.
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row by row, <paramref name="width"/> × <paramref name="height"/> bytes) as a greyscale PNG.</summary>
    /// <exception cref="ArgumentException">The size is not positive or does not match the pixel count.</exception>
    public static byte[] Greyscale(ReadOnlySpan<byte> pixels, int width, int height)
    {
        if (width <= 0 || height <= 0 || (long)width * height != pixels.Length)
        {
            throw new ArgumentException($"{pixels.Length} pixels do not make a {width}x{height} image", nameof(pixels));
        }
        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 0; // colour type: greyscale
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR", header);

        // Each scanline starts with its filter type byte; 0 (none) keeps the encoder trivial, and zlib
        // still compresses the dark backgrounds of these datasets well.
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(pixels.Slice(y * width, width));
            }
        }
        WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>The CRC-32 of <paramref name="data"/> as PNG and zlib's crc32() compute it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(data);
        // The CRC covers the chunk type and data, not the length.
        BinaryPrimitives.WriteUInt32BigEndian(word, ~Update(Update(0xFFFFFFFFu, typeBytes), data));
        output.Write(word);
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }
}
