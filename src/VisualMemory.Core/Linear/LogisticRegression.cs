namespace VisualMemory.Core.Linear;

/// <summary>
/// Trains a <see cref="LinearHead"/> on labelled feature rows on the CPU: the linear classifier
/// that research.md §3's JOINT-INF mixes with the kNN distribution.
/// </summary>
public static class LogisticRegression
{
    // Fixed work units: how rows and columns are split never depends on the thread count, and
    // each output element is computed whole by one unit, so any parallelism gives the same head.
    private const int RowsPerTask = 32;
    private const int ColumnsPerTask = 64;

    /// <summary>
    /// Fits a softmax head to <paramref name="features"/> (row-major, <paramref name="dimension"/>
    /// values per row) and <paramref name="labels"/> (one per row, in [0, <paramref name="classes"/>))
    /// with the mini-batch Adam described on <see cref="LogisticRegressionOptions"/>. Deterministic
    /// for a given seed, whatever <see cref="LogisticRegressionOptions.Parallelism"/> is.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, a label is out of range, a feature is not finite, or the options are unusable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LogisticRegressionFit Train(
        ReadOnlySpan<float> features,
        ReadOnlySpan<int> labels,
        int dimension,
        int classes,
        LogisticRegressionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new LogisticRegressionOptions();
        var problem = options.Problem();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (labels.IsEmpty)
        {
            throw new ArgumentException("there are no training rows", nameof(labels));
        }
        if ((long)classes * dimension > Array.MaxLength)
        {
            throw new ArgumentException($"{classes} × {dimension} weights do not fit in one array", nameof(classes));
        }
        Validate(features, labels, dimension, classes);

        var n = labels.Length;
        var mean = options.CenterFeatures ? ColumnMeans(features, n, dimension) : null;
        var weights = new float[classes * dimension];
        var bias = new float[classes];
        var weightMoments = (m: new float[weights.Length], v: new float[weights.Length]);
        var biasMoments = (m: new float[classes], v: new float[classes]);
        var batchSize = Math.Min(options.BatchSize, n);
        var batch = new float[batchSize * dimension];
        var scores = new float[batchSize * classes];
        var batchLabels = new int[batchSize];
        var rowLoss = new double[batchSize];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }
        var random = new Random(options.Seed);
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.Parallelism == 0 ? Environment.ProcessorCount : options.Parallelism,
            CancellationToken = cancellationToken,
        };
        var losses = new double[options.Epochs];
        long step = 0;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double epochLoss = 0;
            for (var first = 0; first < n; first += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = Math.Min(batchSize, n - first);
                Gather(features, labels, order.AsSpan(first, rows), dimension, mean, batch, batchLabels);

                // Forward and softmax, then scores become the loss gradient (p − onehot) / rows.
                var rowTasks = (rows + RowsPerTask - 1) / RowsPerTask;
                Parallel.For(0, rowTasks, parallel, t =>
                {
                    var r0 = t * RowsPerTask;
                    var r1 = Math.Min(rows, r0 + RowsPerTask);
                    DenseKernels.Logits(batch, dimension, weights, bias, classes, scores, r0, r1);
                    for (var r = r0; r < r1; r++)
                    {
                        var row = scores.AsSpan(r * classes, classes);
                        var label = batchLabels[r];
                        var trueLogit = row[label];
                        var max = float.NegativeInfinity;
                        foreach (var s in row)
                        {
                            max = Math.Max(max, s);
                        }
                        rowLoss[r] = LinearHead.Softmax(row) - (trueLogit - max);
                        row[label] -= 1;
                        for (var c = 0; c < classes; c++)
                        {
                            row[c] /= rows;
                        }
                    }
                });
                for (var r = 0; r < rows; r++)
                {
                    epochLoss += rowLoss[r];
                }

                var adam = new AdamStep(options.LearningRate, options.WeightDecay, ++step);
                var columnTasks = (dimension + ColumnsPerTask - 1) / ColumnsPerTask;
                Parallel.For(0, columnTasks, parallel, t =>
                {
                    var k0 = t * ColumnsPerTask;
                    var k1 = Math.Min(dimension, k0 + ColumnsPerTask);
                    DenseKernels.GradientStep(batch, rows, dimension, scores, classes, k0, k1, adam, weights, weightMoments.m, weightMoments.v);
                });
                for (var c = 0; c < classes; c++)
                {
                    float gradient = 0;
                    for (var r = 0; r < rows; r++)
                    {
                        gradient += scores[r * classes + c];
                    }
                    adam.ApplyUndecayed(bias, biasMoments.m, biasMoments.v, c, gradient);
                }
            }
            losses[epoch] = epochLoss / n;
        }
        return new LogisticRegressionFit(LinearHead.Own(weights, bias, classes, dimension, mean), losses);
    }

    private static void Validate(ReadOnlySpan<float> features, ReadOnlySpan<int> labels, int dimension, int classes)
    {
        if (features.Length != (long)labels.Length * dimension)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * dimension} feature values ({dimension} per row), got {features.Length}",
                nameof(features));
        }
        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"label {labels[i]} of row {i} is outside [0, {classes})", nameof(labels));
            }
        }
        for (var i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException($"row {i / dimension} has a non-finite value at {i % dimension}", nameof(features));
            }
        }
    }

    // Summed in double, row by row, so the mean is the same on every run.
    private static float[] ColumnMeans(ReadOnlySpan<float> features, int n, int dimension)
    {
        var sums = new double[dimension];
        for (var r = 0; r < n; r++)
        {
            var row = features.Slice(r * dimension, dimension);
            for (var k = 0; k < dimension; k++)
            {
                sums[k] += row[k];
            }
        }
        var mean = new float[dimension];
        for (var k = 0; k < dimension; k++)
        {
            mean[k] = (float)(sums[k] / n);
        }
        return mean;
    }

    // Copies the batch's rows into one contiguous block (centred if asked), so the kernels read
    // memory sequentially whatever the shuffle did.
    private static void Gather(
        ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> rows, int dimension, float[]? mean, float[] batch, int[] batchLabels)
    {
        for (var r = 0; r < rows.Length; r++)
        {
            batchLabels[r] = labels[rows[r]];
            var source = features.Slice(rows[r] * dimension, dimension);
            var target = batch.AsSpan(r * dimension, dimension);
            if (mean is null)
            {
                source.CopyTo(target);
            }
            else
            {
                for (var k = 0; k < dimension; k++)
                {
                    target[k] = source[k] - mean[k];
                }
            }
        }
    }
}
