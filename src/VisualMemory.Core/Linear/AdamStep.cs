using System.Numerics;
using System.Runtime.InteropServices;

namespace VisualMemory.Core.Linear;

/// <summary>
/// One Adam update (Kingma &amp; Ba) with its bias corrections folded into the step size and ε, and
/// coupled L2 decay (the decay term is added to the gradient, so it is the gradient of the
/// objective cross-entropy + (λ/2)·‖W‖²).
/// </summary>
internal readonly struct AdamStep
{
    public const float Beta1 = 0.9f;
    public const float Beta2 = 0.999f;
    public const double Epsilon = 1e-8;

    private readonly float _stepSize;
    private readonly float _epsilon;
    private readonly float _decay;

    /// <summary>The update of step <paramref name="t"/> (1-based).</summary>
    public AdamStep(double learningRate, double decay, long t)
    {
        var c1 = 1 - Math.Pow(Beta1, t);
        var c2 = 1 - Math.Pow(Beta2, t);
        _stepSize = (float)(learningRate * Math.Sqrt(c2) / c1);
        _epsilon = (float)(Epsilon * Math.Sqrt(c2));
        _decay = (float)decay;
    }

    /// <summary>Applies the update to the Vector&lt;float&gt;.Count parameters at <paramref name="offset"/>.</summary>
    public void Apply(Span<float> weights, Span<float> m, Span<float> v, int offset, Vector<float> gradient)
    {
        ref var pw = ref MemoryMarshal.GetReference(weights);
        ref var pm = ref MemoryMarshal.GetReference(m);
        ref var pv = ref MemoryMarshal.GetReference(v);
        var o = (nuint)offset;
        var w = Vector.LoadUnsafe(ref pw, o);
        var grad = Vector.FusedMultiplyAdd(new Vector<float>(_decay), w, gradient);
        var mean = Vector.LoadUnsafe(ref pm, o) * Beta1 + grad * (1 - Beta1);
        var square = Vector.LoadUnsafe(ref pv, o) * Beta2 + grad * grad * (1 - Beta2);
        mean.StoreUnsafe(ref pm, o);
        square.StoreUnsafe(ref pv, o);
        (w - _stepSize * mean / (Vector.SquareRoot(square) + new Vector<float>(_epsilon))).StoreUnsafe(ref pw, o);
    }

    /// <summary>Applies the update to the single parameter at <paramref name="offset"/>.</summary>
    public void Apply(Span<float> weights, Span<float> m, Span<float> v, int offset, float gradient)
    {
        var grad = MathF.FusedMultiplyAdd(_decay, weights[offset], gradient);
        m[offset] = m[offset] * Beta1 + grad * (1 - Beta1);
        v[offset] = v[offset] * Beta2 + grad * grad * (1 - Beta2);
        weights[offset] -= _stepSize * m[offset] / (MathF.Sqrt(v[offset]) + _epsilon);
    }

    /// <summary>The same update without decay, for the bias.</summary>
    public void ApplyUndecayed(Span<float> bias, Span<float> m, Span<float> v, int offset, float gradient)
    {
        m[offset] = m[offset] * Beta1 + gradient * (1 - Beta1);
        v[offset] = v[offset] * Beta2 + gradient * gradient * (1 - Beta2);
        bias[offset] -= _stepSize * m[offset] / (MathF.Sqrt(v[offset]) + _epsilon);
    }
}
