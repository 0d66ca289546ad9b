using VisualMemory.Datasets;

namespace VisualMemory.Evaluation.Data;

/// <summary>
/// Fashion-MNIST as a <see cref="LabelledDataset"/>: 60,000 training and 10,000 test images as
/// mean-centred, L2-normalised raw pixels (784 dimensions). A stand-in for real image embeddings
/// until the ONNX embedding workers exist, so absolute accuracies are far below the paper's.
/// </summary>
public static class FashionMnistDataset
{
    /// <summary>The dataset's name in reports and on the command line.</summary>
    public const string Name = "fashion-mnist";

    /// <summary>The two classes the new-classes experiment holds out by default: the two shoe classes besides sneaker.</summary>
    public static IReadOnlyList<string> DefaultHeldOutClasses { get; } = ["sandal", "ankle-boot"];

    /// <summary>Loads both splits from <paramref name="directory"/> (Debian's dataset-fashion-mnist by default).</summary>
    /// <exception cref="InvalidDataFileException">The files are missing or malformed.</exception>
    public static LabelledDataset Load(string directory = FashionMnist.DebianDirectory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidDataFileException($"{directory}: not found; install Debian's dataset-fashion-mnist package");
        }
        var split = FashionMnist.Load(directory);
        return new LabelledDataset(Name, split.Train.Data, split.TrainLabels, split.Test.Data, split.TestLabels, split.Train.Dimension);
    }
}
