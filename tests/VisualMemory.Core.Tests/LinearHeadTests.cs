using System.Buffers.Binary;
using VisualMemory.Core.Linear;

namespace VisualMemory.Core.Tests;

public class LinearHeadTests
{
    // Logits (ln 3, 0, ln 2) → exp 3 : 1 : 2 → probabilities 1/2, 1/6, 1/3.
    private static LinearHead ThreeClasses(float[]? mean = null) =>
        LinearHead.FromWeights([1, 0, 0, 1, 0, 0], [0, 0, MathF.Log(2)], classes: 3, dimension: 2, mean);

    [Fact]
    public void Probabilities_are_the_softmax_of_the_logits()
    {
        var p = ThreeClasses().Probabilities([MathF.Log(3), 0]);
        Assert.Equal(0.5, p[0], 6);
        Assert.Equal(1.0 / 6, p[1], 6);
        Assert.Equal(1.0 / 3, p[2], 6);
        Assert.Equal(0, ThreeClasses().Predict([MathF.Log(3), 0]));
    }

    [Fact]
    public void The_mean_is_subtracted_first()
    {
        var p = ThreeClasses([10, -1]).Probabilities([10 + MathF.Log(3), -1]);
        Assert.Equal(0.5, p[0], 5);
        Assert.Equal(1.0 / 3, p[2], 5);
    }

    [Fact]
    public void Huge_logits_do_not_overflow()
    {
        var head = LinearHead.FromWeights([1, -1], [0, 0], 2, 1, null);
        var p = head.Probabilities([1000]);
        Assert.Equal(1f, p[0]);
        Assert.Equal(0f, p[1]);
    }

    [Fact]
    public void Equal_scores_go_to_the_lowest_class()
    {
        var head = LinearHead.FromWeights([0, 0, 0], [0, 1, 1], 3, 1, null);
        Assert.Equal(1, head.Predict([5]));
    }

    [Fact]
    public void Batched_scoring_matches_a_naive_double_computation_and_single_rows_exactly()
    {
        // 300 rows cross a 256-row block; 13 columns and 5 classes leave remainders in every kernel.
        const int rows = 300, d = 13, classes = 5;
        var random = new Random(11);
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2))];
        var weights = Values(classes * d);
        var bias = Values(classes);
        var mean = Values(d);
        var x = Values(rows * d);
        var head = LinearHead.FromWeights(weights, bias, classes, d, mean);
        var batch = head.ProbabilitiesOfRows(x);
        var labels = head.PredictRows(x);
        Assert.Equal(rows * classes, batch.Length);
        for (var r = 0; r < rows; r++)
        {
            var logits = new double[classes];
            for (var c = 0; c < classes; c++)
            {
                logits[c] = bias[c];
                for (var k = 0; k < d; k++)
                {
                    logits[c] += (double)weights[c * d + k] * (x[r * d + k] - mean[k]);
                }
            }
            var max = logits.Max();
            var sum = logits.Sum(l => Math.Exp(l - max));
            for (var c = 0; c < classes; c++)
            {
                Assert.Equal(Math.Exp(logits[c] - max) / sum, batch[r * classes + c], 1e-5);
            }
            Assert.Equal(Array.IndexOf(logits, max), labels[r]);
            var single = head.Probabilities(x.AsSpan(r * d, d));
            Assert.Equal(batch.AsSpan(r * classes, classes).ToArray(), single);
        }
        Assert.Empty(head.ProbabilitiesOfRows([]));
    }

    [Fact]
    public void Serialisation_round_trips_with_and_without_a_mean()
    {
        foreach (var head in new[] { ThreeClasses(), ThreeClasses([0.5f, -2]) })
        {
            var bytes = head.Serialize();
            Assert.Equal("VMLH"u8.ToArray(), bytes[..4]);
            var back = LinearHead.Deserialize(bytes);
            Assert.Equal(head.Classes, back.Classes);
            Assert.Equal(head.Dimension, back.Dimension);
            Assert.Equal(head.Weights.ToArray(), back.Weights.ToArray());
            Assert.Equal(head.Bias.ToArray(), back.Bias.ToArray());
            Assert.Equal(head.Mean.ToArray(), back.Mean.ToArray());
            Assert.Equal(head.IsCentered, back.IsCentered);
            Assert.Equal(bytes, back.Serialize());
        }
        // 20-byte header + 4 bytes × (6 weights + 3 biases).
        Assert.Equal(56, ThreeClasses().Serialize().Length);
    }

    [Fact]
    public void Malformed_bytes_are_rejected_with_a_reason()
    {
        var good = ThreeClasses([1, 2]).Serialize();
        Assert.Contains("VMLH", Assert.Throws<FormatException>(() => LinearHead.Deserialize(good.AsSpan(0, 10))).Message);
        Assert.Contains("VMLH", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => b[0] = (byte)'X'))).Message);
        Assert.Contains("version 2", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), 2)))).Message);
        Assert.Contains("positive", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 0)))).Message);
        Assert.Contains("flags", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => b[16] = 3))).Message);
        Assert.Contains("bytes", Assert.Throws<FormatException>(() => LinearHead.Deserialize(good.AsSpan(0, good.Length - 1))).Message);
        Assert.Contains("bytes", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), int.MaxValue)))).Message);
        Assert.Contains("weight 0", Assert.Throws<FormatException>(() => LinearHead.Deserialize(Changed(good, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(20), float.NaN)))).Message);
    }

    [Fact]
    public void Bad_weights_and_rows_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => LinearHead.FromWeights([1, 2, 3], [0, 0], 2, 2, null));
        Assert.Throws<ArgumentException>(() => LinearHead.FromWeights([1, 2, 3, 4], [0], 2, 2, null));
        Assert.Throws<ArgumentException>(() => LinearHead.FromWeights([1, 2, 3, 4], [0, 0], 2, 2, [1]));
        Assert.Throws<ArgumentException>(() => LinearHead.FromWeights([1, float.PositiveInfinity, 3, 4], [0, 0], 2, 2, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearHead.FromWeights([], [], 0, 2, null));
        var head = ThreeClasses();
        Assert.Throws<ArgumentException>(() => head.Probabilities([1, 2, 3]));
        Assert.Throws<ArgumentException>(() => head.Predict([1, float.NaN]));
        Assert.Throws<ArgumentException>(() => head.PredictRows([1, 2, 3]));
    }

    [Fact]
    public void Given_weights_are_copied()
    {
        float[] weights = [1, 0, 0, 1, 0, 0];
        var head = LinearHead.FromWeights(weights, [0, 0, 0], 3, 2, null);
        weights[0] = 100;
        Assert.Equal(1f, head.Weights[0]);
    }

    private static byte[] Changed(byte[] bytes, Action<byte[]> change)
    {
        var copy = (byte[])bytes.Clone();
        change(copy);
        return copy;
    }
}
