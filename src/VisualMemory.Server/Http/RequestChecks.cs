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
}
