using VisualMemory.Engine;

namespace VisualMemory.Evaluation.Harness;

/// <summary>
/// Builds in-process memories for experiments: exact (Flat) so that differences come from the
/// method, not from approximate search, with the engine's default four shards. Item ids are the
/// dataset's training row numbers.
/// </summary>
public static class MemoryFactory
{
    private const int UpsertBatch = 8192;

    /// <summary>An empty Flat memory of <paramref name="dimension"/> dimensions.</summary>
    public static LocalMemory Empty(string name, int dimension) =>
        // Rows stay in the growing segment (searched exactly by FAISS's BLAS kernel); sealing a Flat
        // index would only copy them.
        new(new MemoryDefinition(name, dimension, "Flat", Shards: 4, NProbe: 16), new MemorySettings { SealThreshold = int.MaxValue });

    /// <summary>
    /// Adds the training rows <paramref name="rows"/> of <paramref name="dataset"/> to
    /// <paramref name="memory"/>, with labels from <paramref name="labelOf"/> (the dataset's by
    /// default) and source tags from <paramref name="sourceOf"/> (none by default).
    /// </summary>
    public static void Add(
        LocalMemory memory, Data.LabelledDataset dataset, IReadOnlyList<int> rows,
        Func<int, string>? labelOf = null, Func<int, string?>? sourceOf = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(rows);
        var d = dataset.Dimension;
        for (var start = 0; start < rows.Count; start += UpsertBatch)
        {
            var n = Math.Min(UpsertBatch, rows.Count - start);
            var ids = new long[n];
            var labels = new string[n];
            var sources = sourceOf is null ? null : new string?[n];
            var vectors = new float[n * d];
            for (var i = 0; i < n; i++)
            {
                var row = rows[start + i];
                ids[i] = row;
                labels[i] = labelOf is null ? dataset.TrainLabels[row] : labelOf(row);
                sources?[i] = sourceOf!(row);
                dataset.TrainRow(row).CopyTo(vectors.AsSpan(i * d, d));
            }
            memory.Upsert(ids, labels, vectors, sources);
        }
    }

    /// <summary>A memory of every training row of <paramref name="dataset"/>.</summary>
    public static LocalMemory Build(string name, Data.LabelledDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var memory = Empty(name, dataset.Dimension);
        Add(memory, dataset, [.. Enumerable.Range(0, dataset.TrainCount)]);
        return memory;
    }
}
