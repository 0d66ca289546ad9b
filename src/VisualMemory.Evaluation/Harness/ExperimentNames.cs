namespace VisualMemory.Evaluation.Harness;

/// <summary>Command-line and report names of <see cref="ExperimentKind"/>s.</summary>
public static class ExperimentNames
{
    private static readonly string[] Names =
        ["accuracy-vs-k", "pruning", "new-classes", "unlearning", "label-noise", "calibration", "influence", "joint-inference"];

    /// <summary>Every name, in <see cref="ExperimentKind"/> order.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The name of <paramref name="kind"/>.</summary>
    public static string NameOf(ExperimentKind kind) => Names[(int)kind];

    /// <summary>Parses a name, case-insensitively.</summary>
    public static bool TryParse(string? name, out ExperimentKind kind)
    {
        var index = Array.FindIndex(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        kind = (ExperimentKind)Math.Max(index, 0);
        return index >= 0;
    }
}
