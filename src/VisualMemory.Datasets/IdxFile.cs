using System.Buffers.Binary;
using System.IO.Compression;

namespace VisualMemory.Datasets;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed): a big-endian magic
/// number giving the element type and rank, the dimensions, then unsigned bytes.
/// </summary>
public static class IdxFile
{
    /// <summary>Reads an unsigned-byte IDX array; returns its dimensions and values.</summary>
    /// <exception cref="InvalidDataFileException">Not an unsigned-byte IDX file, or truncated.</exception>
    public static (int[] Dimensions, byte[] Values) ReadBytes(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        var head = new byte[4];
        stream.ReadExactly(head);
        if (head[0] != 0 || head[1] != 0 || head[2] != 0x08)
        {
            throw new InvalidDataFileException($"{path}: not an unsigned-byte IDX file");
        }
        var dims = new int[head[3]];
        var buffer = new byte[4];
        long total = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            stream.ReadExactly(buffer);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(buffer);
            total *= dims[i];
        }
        var values = new byte[checked((int)total)];
        if (stream.ReadAtLeast(values, values.Length, throwOnEndOfStream: false) != values.Length)
        {
            throw new InvalidDataFileException($"{path}: truncated IDX data");
        }
        return (dims, values);
    }
}
