using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Pruning;
using VisualMemory.Core.Validation;
using VisualMemory.Core.Vectors;

namespace VisualMemory.Server.Http;

/// <summary>Field checks shared by the query endpoints; each adds to a list so one response names every problem.</summary>
internal static class RequestChecks
{
    public const int DefaultK = 10;
    public const int MaxNProbe = 1 << 20;

    public static int K(int? k, ApiSettings settings, List<FieldProblem> problems)
    {
        var value = k ?? DefaultK;
        if (value < 1 || value > settings.MaxK)
        {
            problems.Add(new("k", $"must be between 1 and {settings.MaxK}, got {value}"));
        }
        return value;
    }

    public static int? NProbe(int? nprobe, List<FieldProblem> problems)
    {
        if (nprobe is < 1 or > MaxNProbe)
        {
            problems.Add(new("nprobe", $"must be between 1 and {MaxNProbe}, got {nprobe}"));
        }
        return nprobe;
    }

    public static void Vector(float[]? vector, int dimension, string field, List<FieldProblem> problems)
    {
        if (vector is null)
        {
            problems.Add(new(field, "is required"));
            return;
        }
        if (VectorCheck.Problem(vector, dimension) is { } problem)
        {
            problems.Add(new(field, problem));
        }
    }

    /// <summary>An aggregation from its wire name (default rank) and optional τ and α.</summary>
    public static AggregationOptions Aggregation(string? name, double? tau, double? alpha, List<FieldProblem> problems)
    {
        var kind = AggregationKind.Rank;
        if (name is not null && !AggregationOptions.TryParseKind(name, out kind))
        {
            problems.Add(new("aggregation", $"unknown aggregation '{name}'; use one of {string.Join(", ", AggregationOptions.KindNames)}"));
        }
        if (tau is { } t && !(t > 0 && double.IsFinite(t)))
        {
            problems.Add(new("tau", $"must be a positive finite number, got {t}"));
        }
        if (alpha is { } a && !(a > 0 && double.IsFinite(a)))
        {
            problems.Add(new("alpha", $"must be a positive finite number (0 would divide by zero at rank 0), got {a}"));
        }
        return new AggregationOptions(kind, tau is > 0 ? tau.Value : AggregationOptions.DefaultTau, alpha is > 0 ? alpha.Value : AggregationOptions.DefaultAlpha);
    }

    /// <summary>A pruning mode from "none", "hard" or "soft"; null when not given.</summary>
    public static PruningMode? Pruning(string? name, List<FieldProblem> problems, string field = "pruning") => name switch
    {
        null => null,
        "none" => PruningMode.None,
        "hard" => PruningMode.Hard,
        "soft" => PruningMode.Soft,
        _ => Reject<PruningMode?>(problems, field, $"unknown pruning '{name}'; use \"none\", \"hard\" or \"soft\"", null),
    };

    /// <summary>
    /// Many vectors as one row-major array. A list over <paramref name="max"/> entries yields a 413
    /// in <paramref name="tooMany"/>; other problems go to the list (at most 20 reported).
    /// </summary>
    public static float[] Vectors(IReadOnlyList<float[]?>? vectors, int dimension, string field, int max, List<FieldProblem> problems, out IResult? tooMany)
    {
        tooMany = null;
        if (vectors is null || vectors.Count == 0)
        {
            problems.Add(new(field, "must be a non-empty array of vectors"));
            return [];
        }
        if (vectors.Count > max)
        {
            tooMany = Problems.TooLarge(field, $"at most {max} vectors per request, got {vectors.Count}");
            return [];
        }
        var rows = new float[vectors.Count * dimension];
        for (var i = 0; i < vectors.Count && problems.Count < 20; i++)
        {
            var before = problems.Count;
            Vector(vectors[i], dimension, $"{field}[{i}]", problems);
            if (problems.Count == before)
            {
                vectors[i]!.CopyTo(rows.AsSpan(i * dimension));
            }
        }
        return rows;
    }

    /// <summary>Records a problem and returns <paramref name="value"/>, for use inside switch expressions.</summary>
    public static T Reject<T>(List<FieldProblem> problems, string field, string message, T value)
    {
        problems.Add(new(field, message));
        return value;
    }
}
