using VisualMemory.Core.Evaluation;

namespace VisualMemory.Evaluation.Experiments;

/// <summary>The privacy audit of research.md §2.</summary>
/// <param name="Aggregation">The aggregation audited.</param>
/// <param name="K">Neighbours that vote.</param>
/// <param name="Queries">Test queries audited.</param>
/// <param name="MemorySize">Items in the memory.</param>
/// <param name="DistinctInTopK">Items that appear in some query's top k (the only candidates).</param>
/// <param name="NonPrivate">Items whose removal changes at least one prediction.</param>
/// <param name="NonPrivateFraction">NonPrivate / MemorySize.</param>
/// <param name="CorrectToWrong">Over all non-private items, predictions that go from right to wrong on removal.</param>
/// <param name="WrongToCorrect">Over all non-private items, predictions that go from wrong to right on removal.</param>
/// <param name="MostInfluential">The items changing the most predictions, at most ten.</param>
public sealed record InfluenceResult(
    string Aggregation, int K, int Queries, long MemorySize, long DistinctInTopK, int NonPrivate, double NonPrivateFraction,
    int CorrectToWrong, int WrongToCorrect, IReadOnlyList<ItemInfluence> MostInfluential);
