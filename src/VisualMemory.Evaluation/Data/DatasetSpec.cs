using VisualMemory.Datasets;

namespace VisualMemory.Evaluation.Data;

/// <summary>Resolves a command line's dataset: "fashion-mnist" or a directory of vector and label files (<see cref="VectorFileDataset"/>).</summary>
public static class DatasetSpec
{
    /// <summary>What --dataset accepts, for usage text.</summary>
    public const string Syntax = "fashion-mnist | DIR (train.npy, train-labels.txt, test.npy, test-labels.txt)";

    /// <summary>Loads the dataset <paramref name="spec"/> names.</summary>
    /// <exception cref="InvalidDataFileException">The files are missing or malformed.</exception>
    public static LabelledDataset Load(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        return spec == FashionMnistDataset.Name ? FashionMnistDataset.Load() : VectorFileDataset.Load(spec);
    }

    /// <summary>
    /// The classes the new-classes experiment holds out: Fashion-MNIST's documented pair when
    /// present, otherwise the two last labels in ordinal order (null when fewer than three labels exist).
    /// </summary>
    public static IReadOnlyList<string>? DefaultHeldOutClasses(LabelledDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var labels = dataset.TrainLabels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 3)
        {
            return null;
        }
        return FashionMnistDataset.DefaultHeldOutClasses.All(labels.Contains) ? FashionMnistDataset.DefaultHeldOutClasses : labels[^2..];
    }
}
