using VisualMemory.Datasets;

namespace VisualMemory.Evaluation.Data;

/// <summary>
/// A <see cref="LabelledDataset"/> from embedding files of any source: a directory holding
/// train.npy (or .fvecs), train-labels.txt, test.npy (or .fvecs) and test-labels.txt, the layout
/// `vm prepare` writes. Vectors are used as they are; the memory L2-normalises them.
/// </summary>
public static class VectorFileDataset
{
    /// <summary>Loads the four files from <paramref name="directory"/>; the dataset is named after the directory.</summary>
    /// <exception cref="InvalidDataFileException">A file is missing or malformed, or counts and dimensions disagree.</exception>
    public static LabelledDataset Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new InvalidDataFileException($"{directory}: no such dataset directory (expected train.npy, train-labels.txt, test.npy, test-labels.txt)");
        }
        var train = VectorFiles.Read(VectorPath(directory, "train"));
        var trainLabels = LabelFile.Read(Path.Combine(directory, "train-labels.txt"));
        var test = VectorFiles.Read(VectorPath(directory, "test"));
        var testLabels = LabelFile.Read(Path.Combine(directory, "test-labels.txt"));
        if (train.Rows != trainLabels.Length || test.Rows != testLabels.Length)
        {
            throw new InvalidDataFileException($"{directory}: {train.Rows} train vectors for {trainLabels.Length} labels, {test.Rows} test vectors for {testLabels.Length} labels");
        }
        if (train.Dimension != test.Dimension)
        {
            throw new InvalidDataFileException($"{directory}: train vectors have dimension {train.Dimension}, test vectors {test.Dimension}");
        }
        if (train.Rows == 0 || test.Rows == 0)
        {
            throw new InvalidDataFileException($"{directory}: both splits need at least one vector");
        }
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new LabelledDataset(name, train.Data, trainLabels, test.Data, testLabels, train.Dimension);
    }

    private static string VectorPath(string directory, string split)
    {
        var npy = Path.Combine(directory, split + ".npy");
        var fvecs = Path.Combine(directory, split + ".fvecs");
        return File.Exists(npy) || !File.Exists(fvecs) ? npy : fvecs;
    }
}
