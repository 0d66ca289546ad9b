using System.Runtime.InteropServices;

namespace VisualMemory.Datasets;

/// <summary>
/// The .fvecs format of the TEXMEX corpora (SIFT1M, GIST1M, Deep1B): each vector is an int32
/// dimension followed by that many float32 values, little-endian.
/// </summary>
public static class FvecsFile
{
    /// <summary>Reads every vector; all must share one dimension.</summary>
    /// <exception cref="InvalidDataFileException">Truncated file or inconsistent dimensions.</exception>
    public static VectorSet Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4)
        {
            throw new InvalidDataFileException($"{path}: too short to be an .fvecs file");
        }
        var dimension = BitConverter.ToInt32(bytes, 0);
        if (dimension <= 0 || dimension > 1 << 20)
        {
            throw new InvalidDataFileException($"{path}: implausible dimension {dimension} in the first record");
        }
        var record = 4 + 4 * dimension;
        if (bytes.Length % record != 0)
        {
            throw new InvalidDataFileException($"{path}: length {bytes.Length} is not a multiple of the record size {record} (dimension {dimension})");
        }
        var rows = bytes.Length / record;
        var data = new float[rows * dimension];
        for (var r = 0; r < rows; r++)
        {
            var d = BitConverter.ToInt32(bytes, r * record);
            if (d != dimension)
            {
                throw new InvalidDataFileException($"{path}: record {r} has dimension {d}, expected {dimension}");
            }
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan(r * record + 4, 4 * dimension)).CopyTo(data.AsSpan(r * dimension));
        }
        return new VectorSet(rows, dimension, data);
    }

    /// <summary>Writes vectors in .fvecs format.</summary>
    public static void Write(string path, VectorSet vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        using var writer = new BinaryWriter(File.Create(path));
        for (var r = 0; r < vectors.Rows; r++)
        {
            writer.Write(vectors.Dimension);
            writer.Write(MemoryMarshal.AsBytes(vectors.Row(r)));
        }
    }
}
