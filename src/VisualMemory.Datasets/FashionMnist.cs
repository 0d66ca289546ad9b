namespace VisualMemory.Datasets;

/// <summary>
/// Fashion-MNIST (Debian's dataset-fashion-mnist) as a memory and a query set: each image becomes its
/// 784 pixels scaled to [0, 1], minus the training set's mean image, L2-normalised. The reading itself
/// is <see cref="IdxDataset.FashionMnist"/>; this class keeps the names other projects use.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's package installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The ten class names, indexed by the dataset's label byte.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    /// <summary>Loads and preprocesses both splits from <paramref name="directory"/>.</summary>
    public static IdxDataset.Split Load(string directory = DebianDirectory) => IdxDataset.FashionMnist.LoadVectors(directory);

    /// <summary>Writes train.npy, train-labels.txt, test.npy and test-labels.txt into <paramref name="outputDirectory"/>.</summary>
    public static void Export(IdxDataset.Split split, string outputDirectory) => IdxDataset.Export(split, outputDirectory);
}
