using VisualMemory.Core.Search;
using VisualMemory.Engine;
using VisualMemory.Evaluation.Data;

namespace VisualMemory.Evaluation.Harness;

/// <summary>
/// What several experiments share: a memory of the whole training split and one retrieval of every
/// test row at the largest k any of them needs (smaller k use prefixes, which is what a search with
/// that k returns).
/// </summary>
public sealed class Baseline : IDisposable
{
    private Baseline(LabelledDataset dataset, LocalMemory memory, Neighbor[][] neighbors, int[] truth)
    {
        Dataset = dataset;
        Memory = memory;
        Neighbors = neighbors;
        Truth = truth;
    }

    /// <summary>The dataset.</summary>
    public LabelledDataset Dataset { get; }

    /// <summary>The memory of every training row (ids are row numbers).</summary>
    public LocalMemory Memory { get; }

    /// <summary>Per test row, its neighbours nearest first.</summary>
    public IReadOnlyList<Neighbor[]> Neighbors { get; }

    /// <summary>Per test row, its label's index in the memory's vocabulary.</summary>
    public IReadOnlyList<int> Truth { get; }

    /// <summary>Builds the memory and retrieves <paramref name="k"/> neighbours of every test row.</summary>
    public static Baseline Create(LabelledDataset dataset, int k, int batch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var memory = MemoryFactory.Build("baseline", dataset);
        var rows = Retrieval.AllTestRows(dataset);
        return new Baseline(dataset, memory, Retrieval.Search(memory, dataset, rows, k, batch), Retrieval.Truth(memory, dataset, rows));
    }

    /// <summary>Disposes the memory.</summary>
    public void Dispose() => Memory.Dispose();
}
