using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// A NumPy .npy array read row by row from a stream, so a part of hundreds of millions of rows never has to
/// fit in memory: float16/32/64 matrices (embeddings) and int/float/unicode vectors (ids, labels, confidence).
/// </summary>
/// <remarks>Little-endian, C order, versions 1.0–3.0, as numpy.save writes them.</remarks>
public sealed partial class NpyArray : IDisposable
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private readonly Stream _stream;
    private readonly string _name;
    private byte[] _buffer = [];

    private NpyArray(Stream stream, string name, char kind, int itemSize, long rows, int columns)
    {
        _stream = stream;
        _name = name;
        Kind = kind;
        ItemSize = itemSize;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>NumPy's kind character: 'f' float, 'i' signed, 'u' unsigned, 'U' unicode string.</summary>
    public char Kind { get; }

    /// <summary>Bytes per element (for 'U', 4 × the string length).</summary>
    public int ItemSize { get; }

    /// <summary>Rows: the first dimension.</summary>
    public long Rows { get; }

    /// <summary>Elements per row: the second dimension, or 1 for a 1-D array.</summary>
    public int Columns { get; }

    /// <summary>Rows consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Reads the header; the stream is then positioned at the first row and owned by the array.</summary>
    /// <exception cref="InvalidDataFileException">Not an .npy file, or an element type or layout not supported.</exception>
    public static NpyArray Open(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            Span<byte> prefix = stackalloc byte[8];
            if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) != 8 || !prefix[..6].SequenceEqual(Magic))
            {
                throw new InvalidDataFileException($"{name}: not a .npy file (bad magic bytes)");
            }
            var major = prefix[6];
            int headerLength;
            if (major == 1)
            {
                Span<byte> length = stackalloc byte[2];
                stream.ReadExactly(length);
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
            }
            else if (major is 2 or 3)
            {
                Span<byte> length = stackalloc byte[4];
                stream.ReadExactly(length);
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
            }
            else
            {
                throw new InvalidDataFileException($"{name}: unsupported .npy version {major}");
            }
            var headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
            var header = Encoding.Latin1.GetString(headerBytes);
            var descr = DescrPattern().Match(header);
            if (!descr.Success)
            {
                throw new InvalidDataFileException($"{name}: .npy header has no 'descr': {header.Trim()}");
            }
            var type = descr.Groups[1].Value;
            if (type.Length < 3 || type[0] is not ('<' or '|' or '=') || !int.TryParse(type.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                throw new InvalidDataFileException($"{name}: element type '{type}' is not supported; use little-endian (e.g. '<f4', '<f2', '<i8', '<U16')");
            }
            var kind = type[1];
            var itemSize = kind == 'U' ? checked(size * 4) : size;
            var supported = kind switch
            {
                'f' => size is 2 or 4 or 8,
                'i' or 'u' => size is 1 or 2 or 4 or 8,
                'U' => size >= 1,
                _ => false,
            };
            if (!supported)
            {
                throw new InvalidDataFileException($"{name}: element type '{type}' is not supported; use float16/32/64, integers or unicode strings");
            }
            if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
            {
                throw new InvalidDataFileException($"{name}: Fortran-ordered arrays are not supported; save with C order");
            }
            var shape = ShapePattern().Match(header);
            var dims = shape.Success ? shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            if (dims.Length is < 1 or > 2 || !long.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows)
                || !int.TryParse(dims.Length == 2 ? dims[1] : "1", NumberStyles.None, CultureInfo.InvariantCulture, out var columns) || columns < 1)
            {
                throw new InvalidDataFileException($"{name}: expected a 1-D or 2-D array, header says {header.Trim()}");
            }
            return new NpyArray(stream, name, kind, itemSize, rows, columns);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataFileException($"{name}: truncated .npy header", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The next <paramref name="count"/> rows as float32, converted from float16/64 or integers.</summary>
    /// <exception cref="InvalidDataFileException">The file ends before the header's row count, or holds strings.</exception>
    public void ReadFloats(int count, Span<float> destination)
    {
        if (Kind == 'U')
        {
            throw new InvalidDataFileException($"{_name}: holds strings, not numbers");
        }
        var elements = checked(count * Columns);
        var bytes = Fill(count);
        for (var i = 0; i < elements; i++)
        {
            destination[i] = (float)Number(bytes.Slice(i * ItemSize, ItemSize));
        }
    }

    /// <summary>The next <paramref name="count"/> values of a 1-D array as strings (numbers formatted invariantly).</summary>
    public string[] ReadStrings(int count)
    {
        var bytes = Fill(count);
        var values = new string[count];
        for (var i = 0; i < count; i++)
        {
            var item = bytes.Slice(i * Columns * ItemSize, ItemSize);
            values[i] = Kind == 'U' ? Utf32(item) : Number(item).ToString(CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>The next <paramref name="count"/> values of a 1-D array as numbers (integers exactly).</summary>
    public double[] ReadNumbers(int count)
    {
        if (Kind == 'U')
        {
            throw new InvalidDataFileException($"{_name}: holds strings, not numbers");
        }
        var bytes = Fill(count);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = Number(bytes.Slice(i * Columns * ItemSize, ItemSize));
        }
        return values;
    }

    /// <summary>The next <paramref name="count"/> values of a 1-D integer array, exactly.</summary>
    public long[] ReadIntegers(int count)
    {
        if (Kind is not ('i' or 'u'))
        {
            throw new InvalidDataFileException($"{_name}: holds '{Kind}' values, not integers");
        }
        var bytes = Fill(count);
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            var item = bytes.Slice(i * Columns * ItemSize, ItemSize);
            values[i] = (Kind, ItemSize) switch
            {
                ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(item),
                ('u', 8) => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(item)),
                _ => (long)Number(item),
            };
        }
        return values;
    }

    /// <summary>Skips <paramref name="count"/> rows (seeking when the stream can).</summary>
    public void Skip(long count)
    {
        var rowBytes = (long)Columns * ItemSize;
        if (_stream.CanSeek)
        {
            _stream.Seek(count * rowBytes, SeekOrigin.Current);
            Position += count;
            return;
        }
        while (count > 0)
        {
            var n = (int)Math.Min(count, Math.Max(1, (1 << 20) / rowBytes));
            Fill(n);
            count -= n;
        }
    }

    /// <summary>Closes the stream.</summary>
    public void Dispose() => _stream.Dispose();

    private ReadOnlySpan<byte> Fill(int count)
    {
        if (count < 0 || Position + count > Rows)
        {
            throw new InvalidDataFileException($"{_name}: asked for rows {Position}..{Position + count} of {Rows}");
        }
        var length = checked(count * Columns * ItemSize);
        if (_buffer.Length < length)
        {
            _buffer = new byte[length];
        }
        if (_stream.ReadAtLeast(_buffer.AsSpan(0, length), length, throwOnEndOfStream: false) != length)
        {
            throw new InvalidDataFileException($"{_name}: truncated: the header promises {Rows} rows, the data ends before row {Position + count}");
        }
        Position += count;
        return _buffer.AsSpan(0, length);
    }

    private double Number(ReadOnlySpan<byte> item) => (Kind, ItemSize) switch
    {
        ('f', 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(item),
        ('f', 4) => BinaryPrimitives.ReadSingleLittleEndian(item),
        ('f', 8) => BinaryPrimitives.ReadDoubleLittleEndian(item),
        ('i', 1) => (sbyte)item[0],
        ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(item),
        ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(item),
        ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(item),
        ('u', 1) => item[0],
        ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(item),
        ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(item),
        ('u', 8) => BinaryPrimitives.ReadUInt64LittleEndian(item),
        _ => throw new InvalidDataFileException($"{_name}: element type not numeric"),
    };

    // NumPy's 'U' is fixed-width UTF-32, padded with NUL characters.
    private static string Utf32(ReadOnlySpan<byte> item)
    {
        var text = Encoding.UTF32.GetString(item);
        var end = text.IndexOf('\0', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
