using VisualMemory.Core.Pruning;
using VisualMemory.Core.Search;
using VisualMemory.Engine;
using VisualMemory.Evaluation.Data;

namespace VisualMemory.Evaluation.Harness;

/// <summary>Searches a memory with a dataset's test rows and maps their labels into the memory's vocabulary.</summary>
public static class Retrieval
{
    /// <summary>
    /// The <paramref name="k"/> nearest neighbours of each test row in <paramref name="queryRows"/>,
    /// nearest first, searched <paramref name="batch"/> rows at a time.
    /// </summary>
    public static Neighbor[][] Search(
        LocalMemory memory, LabelledDataset dataset, IReadOnlyList<int> queryRows, int k, int batch, PruningMode? pruning = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(queryRows);
        var d = dataset.Dimension;
        var result = new Neighbor[queryRows.Count][];
        var buffer = new float[Math.Min(batch, Math.Max(queryRows.Count, 1)) * d];
        for (var start = 0; start < queryRows.Count; start += batch)
        {
            var n = Math.Min(batch, queryRows.Count - start);
            for (var i = 0; i < n; i++)
            {
                dataset.TestRow(queryRows[start + i]).CopyTo(buffer.AsSpan(i * d, d));
            }
            memory.Search(buffer.AsSpan(0, n * d), k, pruning: pruning).CopyTo(result, start);
        }
        return result;
    }

    /// <summary>Every test row, in order.</summary>
    public static int[] AllTestRows(LabelledDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return [.. Enumerable.Range(0, dataset.TestCount)];
    }

    /// <summary>
    /// The memory's label index of each query's true label; -1 (which no neighbour carries) for a
    /// label the memory does not hold yet.
    /// </summary>
    public static int[] Truth(LocalMemory memory, LabelledDataset dataset, IReadOnlyList<int> queryRows)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(queryRows);
        return [.. queryRows.Select(r => memory.Labels.TryGetIndex(dataset.TestLabels[r], out var index) ? index : -1)];
    }
}
