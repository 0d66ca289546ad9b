namespace VisualMemory.Evaluation.Data;

/// <summary>
/// A labelled embedding dataset from any source: training rows become the memory, test rows the
/// queries. Vectors are row-major float32, <see cref="Dimension"/> components per row.
/// </summary>
public sealed class LabelledDataset
{
    /// <summary>Checks the shapes and wraps the arrays (not copied; callers must not change them afterwards).</summary>
    /// <exception cref="ArgumentException">Counts or dimensions disagree, or a split is empty.</exception>
    public LabelledDataset(string name, float[] trainVectors, IReadOnlyList<string> trainLabels, float[] testVectors, IReadOnlyList<string> testLabels, int dimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(trainVectors);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(testVectors);
        ArgumentNullException.ThrowIfNull(testLabels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (trainLabels.Count == 0 || testLabels.Count == 0)
        {
            throw new ArgumentException("both splits need at least one row");
        }
        if (trainVectors.Length != (long)trainLabels.Count * dimension || testVectors.Length != (long)testLabels.Count * dimension)
        {
            throw new ArgumentException($"vectors and labels disagree: {trainVectors.Length} train values for {trainLabels.Count} labels, {testVectors.Length} test values for {testLabels.Count} labels, dimension {dimension}");
        }
        Name = name;
        _trainVectors = trainVectors;
        TrainLabels = trainLabels;
        _testVectors = testVectors;
        TestLabels = testLabels;
        Dimension = dimension;
    }

    private readonly float[] _trainVectors;
    private readonly float[] _testVectors;

    /// <summary>Short name, used as the report's folder name.</summary>
    public string Name { get; }

    /// <summary>Components per vector.</summary>
    public int Dimension { get; }

    /// <summary>Label of each training row.</summary>
    public IReadOnlyList<string> TrainLabels { get; }

    /// <summary>Label of each test row.</summary>
    public IReadOnlyList<string> TestLabels { get; }

    /// <summary>Training rows (the memory).</summary>
    public int TrainCount => TrainLabels.Count;

    /// <summary>Test rows (the queries).</summary>
    public int TestCount => TestLabels.Count;

    /// <summary>All training vectors, row-major.</summary>
    public ReadOnlySpan<float> TrainVectors => _trainVectors;

    /// <summary>All test vectors, row-major.</summary>
    public ReadOnlySpan<float> TestVectors => _testVectors;

    /// <summary>Training row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> TrainRow(int row) => _trainVectors.AsSpan(row * Dimension, Dimension);

    /// <summary>Test row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> TestRow(int row) => _testVectors.AsSpan(row * Dimension, Dimension);

    /// <summary>
    /// A seeded random subset of at most <paramref name="trainCount"/> training and
    /// <paramref name="testCount"/> test rows (kept in their original order), or this dataset when
    /// both already fit.
    /// </summary>
    public LabelledDataset Subsample(int trainCount, int testCount, int seed)
    {
        if (trainCount >= TrainCount && testCount >= TestCount)
        {
            return this;
        }
        var random = new Random(seed);
        var train = Pick(TrainCount, trainCount, random);
        var test = Pick(TestCount, testCount, random);
        return new LabelledDataset(
            Name,
            Gather(_trainVectors, train, Dimension), [.. train.Select(i => TrainLabels[i])],
            Gather(_testVectors, test, Dimension), [.. test.Select(i => TestLabels[i])],
            Dimension);
    }

    private static int[] Pick(int available, int wanted, Random random)
    {
        if (wanted >= available)
        {
            return [.. Enumerable.Range(0, available)];
        }
        var order = Enumerable.Range(0, available).ToArray();
        random.Shuffle(order);
        var chosen = order.AsSpan(0, Math.Max(1, wanted)).ToArray();
        Array.Sort(chosen);
        return chosen;
    }

    private static float[] Gather(float[] vectors, int[] rows, int dimension)
    {
        var result = new float[rows.Length * dimension];
        for (var i = 0; i < rows.Length; i++)
        {
            vectors.AsSpan(rows[i] * dimension, dimension).CopyTo(result.AsSpan(i * dimension, dimension));
        }
        return result;
    }
}
