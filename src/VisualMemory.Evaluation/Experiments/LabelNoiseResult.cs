namespace VisualMemory.Evaluation.Experiments;

/// <summary>Robustness to label noise in the memory (research.md §1).</summary>
/// <param name="Queries">Test queries.</param>
/// <param name="Levels">One result per noise level, in the order run.</param>
public sealed record LabelNoiseResult(int Queries, IReadOnlyList<NoiseLevelResult> Levels);
