using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VisualMemory.Datasets;

/// <summary>
/// NumPy's .npy format (version 1.0–3.0) for little-endian float32 matrices [N, D], C order —
/// what numpy.save writes for an embedding array.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a float32 [N, D] array.</summary>
    /// <exception cref="InvalidDataFileException">Not an .npy file, or not little-endian float32 2-D C-order data.</exception>
    public static VectorSet Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var magic = reader.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataFileException($"{path}: not a .npy file (bad magic bytes)");
        }
        var major = reader.ReadByte();
        reader.ReadByte();
        int headerLength = major switch
        {
            1 => reader.ReadUInt16(),
            2 or 3 => checked((int)reader.ReadUInt32()),
            _ => throw new InvalidDataFileException($"{path}: unsupported .npy version {major}"),
        };
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value is not ("<f4" or "=f4"))
        {
            throw new InvalidDataFileException($"{path}: expected little-endian float32 ('<f4'), header says {header.Trim()}");
        }
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new InvalidDataFileException($"{path}: Fortran-ordered arrays are not supported; save with C order");
        }
        var shape = ShapePattern().Match(header);
        var dims = shape.Success
            ? shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        if (dims.Length != 2)
        {
            throw new InvalidDataFileException($"{path}: expected a 2-D array [N, D], header says {header.Trim()}");
        }
        var rows = int.Parse(dims[0], CultureInfo.InvariantCulture);
        var dimension = int.Parse(dims[1], CultureInfo.InvariantCulture);
        var data = new float[checked(rows * dimension)];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
        {
            throw new InvalidDataFileException($"{path}: truncated: header promises {rows}x{dimension} float32 values");
        }
        return new VectorSet(rows, dimension, data);
    }

    /// <summary>Writes a float32 [N, D] array in .npy 1.0 format.</summary>
    public static void Write(string path, VectorSet vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({vectors.Rows}, {vectors.Dimension}), }}");
        // The header is padded with spaces so the data starts on a 64-byte boundary, ending in '\n'.
        var unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        var padding = (64 - unpadded % 64) % 64;
        var header = dict + new string(' ', padding) + "\n";
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(Magic);
        writer.Write((byte)1);
        writer.Write((byte)0);
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.Latin1.GetBytes(header));
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.Data.AsSpan()));
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
