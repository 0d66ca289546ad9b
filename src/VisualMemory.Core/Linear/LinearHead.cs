using System.Buffers.Binary;

namespace VisualMemory.Core.Linear;

/// <summary>
/// A multinomial logistic-regression (softmax) classifier over feature vectors:
/// P(c | x) = softmax(W·(x − μ) + b)_c, with μ the optional training mean. Immutable.
/// Trained by <see cref="LogisticRegression.Train"/> or loaded with <see cref="FromWeights"/> or
/// <see cref="Deserialize"/>.
/// </summary>
public sealed class LinearHead
{
    // "VMLH": Visual Memory Linear Head.
    private static ReadOnlySpan<byte> Magic => "VMLH"u8;
    private const int FormatVersion = 1;
    private const int HeaderBytes = 20;
    private const int HasMeanFlag = 1;
    // Rows are centred and scored in blocks this big when predicting many at once.
    private const int RowBlock = 256;

    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly float[]? _mean;

    private LinearHead(float[] weights, float[] bias, int classes, int dimension, float[]? mean)
    {
        _weights = weights;
        _bias = bias;
        _mean = mean;
        Classes = classes;
        Dimension = dimension;
    }

    /// <summary>Number of classes (rows of <see cref="Weights"/>).</summary>
    public int Classes { get; }

    /// <summary>Number of features per row.</summary>
    public int Dimension { get; }

    /// <summary>The weights, classes × dimension, row-major (row c scores class c).</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>One bias per class.</summary>
    public ReadOnlySpan<float> Bias => _bias;

    /// <summary>The mean subtracted from every row before scoring; empty when the head does not centre.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>Whether the head subtracts <see cref="Mean"/> from its input.</summary>
    public bool IsCentered => _mean is not null;

    /// <summary>
    /// A head with the given parameters (copied). <paramref name="weights"/> is classes × dimension
    /// row-major; <paramref name="mean"/>, when given, has <paramref name="dimension"/> entries.
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not match or a value is not finite.</exception>
    public static LinearHead FromWeights(float[] weights, float[] bias, int classes, int dimension, float[]? mean)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if ((long)classes * dimension != weights.Length)
        {
            throw new ArgumentException($"expected {(long)classes * dimension} weights ({classes} × {dimension}), got {weights.Length}", nameof(weights));
        }
        if (bias.Length != classes)
        {
            throw new ArgumentException($"expected {classes} biases, got {bias.Length}", nameof(bias));
        }
        if (mean is not null && mean.Length != dimension)
        {
            throw new ArgumentException($"expected a mean of {dimension} values, got {mean.Length}", nameof(mean));
        }
        RequireFinite(weights, nameof(weights));
        RequireFinite(bias, nameof(bias));
        if (mean is not null)
        {
            RequireFinite(mean, nameof(mean));
        }
        return new LinearHead([.. weights], [.. bias], classes, dimension, mean is null ? null : [.. mean]);
    }

    // Training hands over arrays nobody else holds, so they need no copy or check.
    internal static LinearHead Own(float[] weights, float[] bias, int classes, int dimension, float[]? mean) =>
        new(weights, bias, classes, dimension, mean);

    /// <summary>Class probabilities for one row (softmax with the maximum logit subtracted, so it never overflows).</summary>
    /// <exception cref="ArgumentException">The row has the wrong length or a non-finite value.</exception>
    public float[] Probabilities(ReadOnlySpan<float> row)
    {
        var logits = Logits(row, 1, nameof(row));
        Softmax(logits);
        return logits;
    }

    /// <summary>The most probable class of one row; equal scores go to the lowest class index.</summary>
    /// <exception cref="ArgumentException">The row has the wrong length or a non-finite value.</exception>
    public int Predict(ReadOnlySpan<float> row) => ArgMax(Logits(row, 1, nameof(row)));

    /// <summary>
    /// Class probabilities for many rows (row-major, <see cref="Dimension"/> per row): the result
    /// is rows × classes, row-major, and equals <see cref="Probabilities"/> row by row.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the dimension, or a value is not finite.</exception>
    public float[] ProbabilitiesOfRows(ReadOnlySpan<float> rows)
    {
        var logits = Logits(rows, CountRows(rows), nameof(rows));
        for (var r = 0; r < logits.Length; r += Classes)
        {
            Softmax(logits.AsSpan(r, Classes));
        }
        return logits;
    }

    /// <summary>The most probable class of each of many rows; equal scores go to the lowest class index.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the dimension, or a value is not finite.</exception>
    public int[] PredictRows(ReadOnlySpan<float> rows)
    {
        var count = CountRows(rows);
        var logits = Logits(rows, count, nameof(rows));
        var labels = new int[count];
        for (var r = 0; r < count; r++)
        {
            labels[r] = ArgMax(logits.AsSpan(r * Classes, Classes));
        }
        return labels;
    }

    /// <summary>
    /// The head as bytes: "VMLH", then little-endian int32 version (1), classes, dimension and flags
    /// (bit 0: a mean follows), then float32 weights, biases and, if flagged, the mean.
    /// </summary>
    public byte[] Serialize()
    {
        var floats = _weights.Length + _bias.Length + (_mean?.Length ?? 0);
        var bytes = new byte[HeaderBytes + 4L * floats];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), Classes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), Dimension);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), _mean is null ? 0 : HasMeanFlag);
        var at = WriteFloats(bytes, HeaderBytes, _weights);
        at = WriteFloats(bytes, at, _bias);
        if (_mean is not null)
        {
            WriteFloats(bytes, at, _mean);
        }
        return bytes;
    }

    /// <summary>Reads a head written by <see cref="Serialize"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a complete, valid head of a known version.</exception>
    public static LinearHead Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderBytes || !bytes[..4].SequenceEqual(Magic))
        {
            throw new FormatException("not a serialised linear head (missing \"VMLH\" header)");
        }
        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (version != FormatVersion)
        {
            throw new FormatException($"linear head format version {version} is not supported (expected {FormatVersion})");
        }
        var classes = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        var flags = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        if (classes <= 0 || dimension <= 0)
        {
            throw new FormatException($"a linear head needs positive classes and dimension, got {classes} and {dimension}");
        }
        if ((flags & ~HasMeanFlag) != 0)
        {
            throw new FormatException($"unknown flags 0x{flags:x} in linear head header");
        }
        var hasMean = (flags & HasMeanFlag) != 0;
        var weightCount = (long)classes * dimension;
        var expected = HeaderBytes + 4 * (weightCount + classes + (hasMean ? dimension : 0));
        if (bytes.Length != expected || weightCount > Array.MaxLength)
        {
            throw new FormatException($"a {classes} × {dimension} linear head{(hasMean ? " with a mean" : "")} takes {expected} bytes, got {bytes.Length}");
        }
        var weights = ReadFloats(bytes, HeaderBytes, (int)weightCount, "weight");
        var bias = ReadFloats(bytes, HeaderBytes + 4 * (int)weightCount, classes, "bias");
        var mean = hasMean ? ReadFloats(bytes, HeaderBytes + 4 * ((int)weightCount + classes), dimension, "mean") : null;
        return new LinearHead(weights, bias, classes, dimension, mean);
    }

    private int CountRows(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Dimension != 0)
        {
            throw new ArgumentException($"{rows.Length} values do not form rows of {Dimension}", nameof(rows));
        }
        return rows.Length / Dimension;
    }

    // Centres a block of rows into a scratch buffer and scores it; one path for one row and for
    // many, so both give bit-identical results.
    private float[] Logits(ReadOnlySpan<float> rows, int count, string name)
    {
        if (rows.Length != count * Dimension)
        {
            throw new ArgumentException($"expected {Dimension} values per row, got {rows.Length}", name);
        }
        var logits = new float[count * Classes];
        var block = new float[Math.Min(count, RowBlock) * Dimension];
        for (var first = 0; first < count; first += RowBlock)
        {
            var take = Math.Min(RowBlock, count - first);
            var source = rows.Slice(first * Dimension, take * Dimension);
            for (var i = 0; i < source.Length; i++)
            {
                if (!float.IsFinite(source[i]))
                {
                    throw new ArgumentException($"row {first + i / Dimension} has a non-finite value at {i % Dimension}", name);
                }
                block[i] = _mean is null ? source[i] : source[i] - _mean[i % Dimension];
            }
            DenseKernels.Logits(block, Dimension, _weights, _bias, Classes, logits.AsSpan(first * Classes, take * Classes), 0, take);
        }
        return logits;
    }

    /// <summary>In-place softmax; returns log Σ exp(logit − max), which training needs for the loss.</summary>
    internal static double Softmax(Span<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }
        double sum = 0;
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] = MathF.Exp(logits[c] - max);
            sum += logits[c];
        }
        var scale = (float)(1 / sum);
        for (var c = 0; c < logits.Length; c++)
        {
            logits[c] *= scale;
        }
        return Math.Log(sum);
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[best])
            {
                best = c;
            }
        }
        return best;
    }

    private static void RequireFinite(float[] values, string name)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"value {i} is {values[i]}; only finite numbers are allowed", name);
            }
        }
    }

    private static int WriteFloats(byte[] bytes, int at, float[] values)
    {
        foreach (var value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), value);
            at += 4;
        }
        return at;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes, int at, int count, string what)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(at + 4 * i)..]);
            if (!float.IsFinite(values[i]))
            {
                throw new FormatException($"{what} {i} of the linear head is {values[i]}; only finite numbers are allowed");
            }
        }
        return values;
    }
}
