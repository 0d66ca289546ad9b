using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VisualMemory.Core.Linear;

/// <summary>
/// The inner loops of the linear head: logits = X·Wᵀ + b for a block of rows, and the fused
/// "gradient of W over a column range, then Adam step" of training. Every output element is
/// accumulated in one fixed order (vector lanes over the feature index, lane sum, then the scalar
/// tail) whichever register-blocked variant computes it, so results never depend on how rows or
/// columns are split across threads.
/// </summary>
internal static class DenseKernels
{
    // Classes handled per pass over a row block: 32 rows of W at d = 1024 (128 KiB) stay in L2.
    private const int ClassChunk = 32;

    /// <summary>logits[r·classes + c] = x_r · w_c + b_c for rows [firstRow, endRow) of the row-major x.</summary>
    public static void Logits(
        ReadOnlySpan<float> x, int dimension, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int classes,
        Span<float> logits, int firstRow, int endRow)
    {
        for (var c0 = 0; c0 < classes; c0 += ClassChunk)
        {
            var c1 = Math.Min(classes, c0 + ClassChunk);
            var r = firstRow;
            for (; r + 4 <= endRow; r += 4)
            {
                var c = c0;
                for (; c + 2 <= c1; c += 2)
                {
                    Dot4x2(x, r, weights, c, dimension, classes, bias, logits);
                }
                for (; c < c1; c++)
                {
                    for (var i = 0; i < 4; i++)
                    {
                        logits[(r + i) * classes + c] = Dot(x.Slice((r + i) * dimension, dimension), weights.Slice(c * dimension, dimension)) + bias[c];
                    }
                }
            }
            for (; r < endRow; r++)
            {
                var row = x.Slice(r * dimension, dimension);
                for (var c = c0; c < c1; c++)
                {
                    logits[r * classes + c] = Dot(row, weights.Slice(c * dimension, dimension)) + bias[c];
                }
            }
        }
    }

    /// <summary>The dot product in the kernels' fixed order: lanes, lane sum, scalar tail.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var width = Vector<float>.Count;
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var acc = Vector<float>.Zero;
        var k = 0;
        for (; k + width <= a.Length; k += width)
        {
            acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref pa, (nuint)k), Vector.LoadUnsafe(ref pb, (nuint)k), acc);
        }
        var sum = Vector.Sum(acc);
        for (; k < a.Length; k++)
        {
            sum = MathF.FusedMultiplyAdd(a[k], b[k], sum);
        }
        return sum;
    }

    // Four rows against two classes: eight accumulators, six loads per eight multiply-adds.
    private static void Dot4x2(
        ReadOnlySpan<float> x, int r, ReadOnlySpan<float> weights, int c, int d, int classes, ReadOnlySpan<float> bias, Span<float> logits)
    {
        var width = Vector<float>.Count;
        ref var x0 = ref MemoryMarshal.GetReference(x.Slice(r * d, 4 * d));
        ref var x1 = ref Unsafe.Add(ref x0, d);
        ref var x2 = ref Unsafe.Add(ref x0, 2 * d);
        ref var x3 = ref Unsafe.Add(ref x0, 3 * d);
        ref var w0 = ref MemoryMarshal.GetReference(weights.Slice(c * d, 2 * d));
        ref var w1 = ref Unsafe.Add(ref w0, d);
        Vector<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector<float> a20 = default, a21 = default, a30 = default, a31 = default;
        var k = 0;
        for (; k + width <= d; k += width)
        {
            var o = (nuint)k;
            var v0 = Vector.LoadUnsafe(ref w0, o);
            var v1 = Vector.LoadUnsafe(ref w1, o);
            var u = Vector.LoadUnsafe(ref x0, o);
            a00 = Vector.FusedMultiplyAdd(u, v0, a00);
            a01 = Vector.FusedMultiplyAdd(u, v1, a01);
            u = Vector.LoadUnsafe(ref x1, o);
            a10 = Vector.FusedMultiplyAdd(u, v0, a10);
            a11 = Vector.FusedMultiplyAdd(u, v1, a11);
            u = Vector.LoadUnsafe(ref x2, o);
            a20 = Vector.FusedMultiplyAdd(u, v0, a20);
            a21 = Vector.FusedMultiplyAdd(u, v1, a21);
            u = Vector.LoadUnsafe(ref x3, o);
            a30 = Vector.FusedMultiplyAdd(u, v0, a30);
            a31 = Vector.FusedMultiplyAdd(u, v1, a31);
        }
        Span<float> sums =
        [
            Vector.Sum(a00), Vector.Sum(a01), Vector.Sum(a10), Vector.Sum(a11),
            Vector.Sum(a20), Vector.Sum(a21), Vector.Sum(a30), Vector.Sum(a31),
        ];
        for (; k < d; k++)
        {
            var v0 = Unsafe.Add(ref w0, k);
            var v1 = Unsafe.Add(ref w1, k);
            sums[0] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x0, k), v0, sums[0]);
            sums[1] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x0, k), v1, sums[1]);
            sums[2] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x1, k), v0, sums[2]);
            sums[3] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x1, k), v1, sums[3]);
            sums[4] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x2, k), v0, sums[4]);
            sums[5] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x2, k), v1, sums[5]);
            sums[6] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x3, k), v0, sums[6]);
            sums[7] = MathF.FusedMultiplyAdd(Unsafe.Add(ref x3, k), v1, sums[7]);
        }
        for (var i = 0; i < 4; i++)
        {
            logits[(r + i) * classes + c] = sums[2 * i] + bias[c];
            logits[(r + i) * classes + c + 1] = sums[2 * i + 1] + bias[c + 1];
        }
    }

    /// <summary>
    /// For columns [firstColumn, endColumn) of W: gradient = Gᵀ·X (G is rows × classes, already
    /// divided by the batch size) plus weightDecay·W, immediately applied as an Adam step, so no
    /// full gradient matrix is ever stored.
    /// </summary>
    public static void GradientStep(
        ReadOnlySpan<float> x, int rows, int dimension, ReadOnlySpan<float> g, int classes,
        int firstColumn, int endColumn, in AdamStep step, Span<float> weights, Span<float> m, Span<float> v)
    {
        var width = Vector<float>.Count;
        var c = 0;
        for (; c + 4 <= classes; c += 4)
        {
            var k = firstColumn;
            for (; k + 2 * width <= endColumn; k += 2 * width)
            {
                Accumulate4x2(x, rows, dimension, g, classes, c, k, step, weights, m, v);
            }
            for (var ci = c; ci < c + 4; ci++)
            {
                Remainder(x, rows, dimension, g, classes, ci, k, endColumn, step, weights, m, v);
            }
        }
        for (; c < classes; c++)
        {
            Remainder(x, rows, dimension, g, classes, c, firstColumn, endColumn, step, weights, m, v);
        }
    }

    // Four classes against two vectors of columns: eight accumulators, six loads per eight multiply-adds.
    private static void Accumulate4x2(
        ReadOnlySpan<float> x, int rows, int d, ReadOnlySpan<float> g, int classes, int c, int k,
        in AdamStep step, Span<float> weights, Span<float> m, Span<float> v)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pg = ref MemoryMarshal.GetReference(g);
        Vector<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (var r = 0; r < rows; r++)
        {
            var o = (nuint)(r * d + k);
            var u0 = Vector.LoadUnsafe(ref px, o);
            var u1 = Vector.LoadUnsafe(ref px, o + (nuint)width);
            ref var gr = ref Unsafe.Add(ref pg, r * classes + c);
            var s = new Vector<float>(gr);
            a00 = Vector.FusedMultiplyAdd(s, u0, a00);
            a01 = Vector.FusedMultiplyAdd(s, u1, a01);
            s = new Vector<float>(Unsafe.Add(ref gr, 1));
            a10 = Vector.FusedMultiplyAdd(s, u0, a10);
            a11 = Vector.FusedMultiplyAdd(s, u1, a11);
            s = new Vector<float>(Unsafe.Add(ref gr, 2));
            a20 = Vector.FusedMultiplyAdd(s, u0, a20);
            a21 = Vector.FusedMultiplyAdd(s, u1, a21);
            s = new Vector<float>(Unsafe.Add(ref gr, 3));
            a30 = Vector.FusedMultiplyAdd(s, u0, a30);
            a31 = Vector.FusedMultiplyAdd(s, u1, a31);
        }
        step.Apply(weights, m, v, c * d + k, a00);
        step.Apply(weights, m, v, c * d + k + width, a01);
        step.Apply(weights, m, v, (c + 1) * d + k, a10);
        step.Apply(weights, m, v, (c + 1) * d + k + width, a11);
        step.Apply(weights, m, v, (c + 2) * d + k, a20);
        step.Apply(weights, m, v, (c + 2) * d + k + width, a21);
        step.Apply(weights, m, v, (c + 3) * d + k, a30);
        step.Apply(weights, m, v, (c + 3) * d + k + width, a31);
    }

    // One class over columns [k, end): whole vectors, then single columns.
    private static void Remainder(
        ReadOnlySpan<float> x, int rows, int d, ReadOnlySpan<float> g, int classes, int c, int k, int end,
        in AdamStep step, Span<float> weights, Span<float> m, Span<float> v)
    {
        var width = Vector<float>.Count;
        ref var px = ref MemoryMarshal.GetReference(x);
        for (; k + width <= end; k += width)
        {
            var acc = Vector<float>.Zero;
            for (var r = 0; r < rows; r++)
            {
                acc = Vector.FusedMultiplyAdd(new Vector<float>(g[r * classes + c]), Vector.LoadUnsafe(ref px, (nuint)(r * d + k)), acc);
            }
            step.Apply(weights, m, v, c * d + k, acc);
        }
        for (; k < end; k++)
        {
            float acc = 0;
            for (var r = 0; r < rows; r++)
            {
                acc = MathF.FusedMultiplyAdd(g[r * classes + c], x[r * d + k], acc);
            }
            step.Apply(weights, m, v, c * d + k, acc);
        }
    }
}
