using VisualMemory.Core.Vectors;

namespace VisualMemory.Datasets;

/// <summary>
/// Turns Fashion-MNIST (Debian's dataset-fashion-mnist) into a memory and a query set: each image
/// becomes its 784 pixels scaled to [0, 1], minus the training set's mean image, L2-normalised.
/// A stand-in for real embeddings until the embedding workers exist.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's package installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The ten class names, indexed by the dataset's label byte.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    /// <summary>Train (memory) and test (query) vectors with their class names.</summary>
    public sealed record Split(VectorSet Train, string[] TrainLabels, VectorSet Test, string[] TestLabels);

    /// <summary>Loads and preprocesses both splits from <paramref name="directory"/>.</summary>
    public static Split Load(string directory = DebianDirectory)
    {
        var train = Pixels(Path.Combine(directory, "train-images-idx3-ubyte.gz"));
        var test = Pixels(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"));
        var mean = MeanRow(train);
        foreach (var set in new[] { train, test })
        {
            for (var r = 0; r < set.Rows; r++)
            {
                var row = set.Data.AsSpan(r * set.Dimension, set.Dimension);
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] -= mean[i];
                }
                VectorMath.NormalizeL2(row);
            }
        }
        return new Split(
            train, Labels(Path.Combine(directory, "train-labels-idx1-ubyte.gz")),
            test, Labels(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz")));
    }

    /// <summary>Writes train.npy, train-labels.txt, test.npy and test-labels.txt into <paramref name="outputDirectory"/>.</summary>
    public static void Export(Split split, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(split);
        Directory.CreateDirectory(outputDirectory);
        NpyFile.Write(Path.Combine(outputDirectory, "train.npy"), split.Train);
        LabelFile.Write(Path.Combine(outputDirectory, "train-labels.txt"), split.TrainLabels);
        NpyFile.Write(Path.Combine(outputDirectory, "test.npy"), split.Test);
        LabelFile.Write(Path.Combine(outputDirectory, "test-labels.txt"), split.TestLabels);
    }

    private static VectorSet Pixels(string path)
    {
        var (dims, values) = IdxFile.ReadBytes(path);
        if (dims.Length != 3)
        {
            throw new InvalidDataFileException($"{path}: expected images [N, rows, cols]");
        }
        var dimension = dims[1] * dims[2];
        var data = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            data[i] = values[i] / 255f;
        }
        return new VectorSet(dims[0], dimension, data);
    }

    private static string[] Labels(string path)
    {
        var (dims, values) = IdxFile.ReadBytes(path);
        if (dims.Length != 1 || values.Any(v => v >= ClassNames.Count))
        {
            throw new InvalidDataFileException($"{path}: expected one label byte 0-9 per image");
        }
        return [.. values.Select(v => ClassNames[v])];
    }

    private static float[] MeanRow(VectorSet set)
    {
        var sum = new double[set.Dimension];
        for (var r = 0; r < set.Rows; r++)
        {
            var row = set.Row(r);
            for (var i = 0; i < row.Length; i++)
            {
                sum[i] += row[i];
            }
        }
        return [.. sum.Select(s => (float)(s / set.Rows))];
    }
}
