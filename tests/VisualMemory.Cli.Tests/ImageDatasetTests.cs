using System.Diagnostics;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Tests;

/// <summary>vm prepare --images and the PNG encoder, checked against an independent decoder (Debian's PIL).</summary>
public sealed class ImageDatasetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-prepare-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> Vm(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // prepare never contacts a server.
        var exit = await CliApp.Run(args, output, error, _ => throw new InvalidOperationException("no server expected"));
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Decodes <paramref name="paths"/> with PIL and returns each image's mode, size and pixel bytes.</summary>
    private static List<(string Mode, int Width, int Height, byte[] Pixels)> DecodeWithPil(params string[] paths)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""
            import sys
            from PIL import Image
            for path in sys.argv[1:]:
                image = Image.open(path); image.load()
                print(image.mode, image.size[0], image.size[1], image.tobytes().hex())
            """);
        foreach (var path in paths)
        {
            start.ArgumentList.Add(path);
        }
        using var python = Process.Start(start)!;
        var text = python.StandardOutput.ReadToEnd();
        var error = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, error);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')).Select(f =>
            (f[0], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), Convert.FromHexString(f[3])))];
    }

    [Fact]
    public void Png_encoder_round_trips_through_an_independent_decoder()
    {
        Assert.Equal(0xCBF43926u, PngWriter.Crc32("123456789"u8)); // the standard CRC-32 check value
        var random = new Random(7);
        var sizes = new[] { (1, 1), (37, 23), (28, 28), (300, 2) };
        var expected = new List<byte[]>();
        var paths = new List<string>();
        foreach (var (width, height) in sizes)
        {
            var pixels = new byte[width * height];
            random.NextBytes(pixels);
            var path = Path.Combine(_directory, $"{width}x{height}.png");
            File.WriteAllBytes(path, PngWriter.Greyscale(pixels, width, height));
            expected.Add(pixels);
            paths.Add(path);
        }
        var decoded = DecodeWithPil([.. paths]);
        for (var i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(("L", sizes[i].Item1, sizes[i].Item2), (decoded[i].Mode, decoded[i].Width, decoded[i].Height));
            Assert.Equal(expected[i], decoded[i].Pixels);
        }
        Assert.Throws<ArgumentException>(() => PngWriter.Greyscale(new byte[5], 2, 2));
    }

    [Fact]
    public async Task Prepare_images_writes_pngs_equal_to_the_idx_pixels_and_listings()
    {
        var result = await Vm("prepare", "fashion-mnist", "--out", _directory, "--images", "--limit", "4");
        Assert.True(result.Exit == 0, result.Error);
        Assert.Contains("wrote 4 train and 4 test vectors", result.Output);
        Assert.Equal(4, NpyFile.Read(Path.Combine(_directory, "train.npy")).Rows);

        var listing = ImageListing.Read(Path.Combine(_directory, "train-images.jsonl"));
        Assert.Equal([0L, 1, 2, 3], listing.Select(e => e.Id));
        // Fashion-MNIST's first training image is an ankle boot; labels keep the class names vm prepare always used.
        Assert.Equal(new ImageListing.Entry(0, "train-images/00000.png", "ankle-boot"), listing[0]);
        Assert.Equal("""{"id":0,"uri":"train-images/00000.png","label":"ankle-boot"}""", File.ReadLines(Path.Combine(_directory, "train-images.jsonl")).First());
        Assert.Equal(4, ImageListing.Read(Path.Combine(_directory, "test-images.jsonl")).Count);
        // The bulk-ingest reader (issue 7) takes the same listing without a bad row.
        using (var bulk = new VisualMemory.Datasets.Ingest.MetadataReader(File.OpenRead(Path.Combine(_directory, "train-images.jsonl")), "train-images.jsonl", requireUri: true))
        {
            var rows = new List<VisualMemory.Datasets.Ingest.MetadataRow>();
            while (bulk.Next() is { } row)
            {
                rows.Add(row);
            }
            Assert.Equal(listing.Select(e => (e.Id, e.Uri, e.Label)), rows.Select(r => (r.Id, r.Uri!, r.Label)));
            Assert.All(rows, r => Assert.Null(r.Error));
        }

        var idx = IdxDataset.FashionMnist.ReadImages(FashionMnist.DebianDirectory, train: true);
        var decoded = DecodeWithPil([.. listing.Select(e => ImageListing.Resolve(Path.Combine(_directory, "train-images.jsonl"), e))]);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal((28, 28), (decoded[i].Width, decoded[i].Height));
            Assert.Equal(idx.Image(i).ToArray(), decoded[i].Pixels);
        }
    }

    [Fact]
    public async Task Prepare_mnist_reads_the_npm_copy_with_digit_labels()
    {
        Assert.True(Directory.Exists(IdxDataset.Mnist.DefaultDirectory), $"{IdxDataset.Mnist.DefaultDirectory} missing: run scripts/setup.sh");
        var result = await Vm("prepare", "mnist", "--out", _directory, "--images", "--limit", "3");
        Assert.True(result.Exit == 0, result.Error);
        Assert.Equal(["5", "0", "4"], LabelFile.Read(Path.Combine(_directory, "train-labels.txt")));
        Assert.Equal(["5", "0", "4"], ImageListing.Read(Path.Combine(_directory, "train-images.jsonl")).Select(e => e.Label));
        Assert.Equal(["7", "2", "1"], LabelFile.Read(Path.Combine(_directory, "test-labels.txt")));
        // The full set is the original: 60 000 + 10 000 images of 28x28.
        var train = IdxDataset.Mnist.ReadImages(IdxDataset.Mnist.DefaultDirectory, train: true);
        Assert.Equal((60000, 28, 28), (train.Count, train.Height, train.Width));
    }

    [Fact]
    public async Task Prepare_errors_name_the_problem()
    {
        var missing = await Vm("prepare", "mnist", "--out", _directory, "--source", Path.Combine(_directory, "nowhere"));
        Assert.Equal(3, missing.Exit);
        Assert.Contains("scripts/setup.sh", missing.Error);
        var unknown = await Vm("prepare", "cifar", "--out", _directory);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("available: fashion-mnist, mnist", unknown.Error);
        Assert.Equal(2, (await Vm("prepare", "mnist", "--out", _directory, "--limit", "0")).Exit);
    }

    [Fact]
    public void Listing_errors_name_the_line()
    {
        var path = Path.Combine(_directory, "bad.jsonl");
        File.WriteAllLines(path, ["""{"id":0,"uri":"a.png","label":"x"}""", "", """{"id":"one","uri":"b.png","label":"x"}"""]);
        Assert.Contains("bad.jsonl:3: id 'one' is not a 64-bit integer", Assert.Throws<InvalidDataFileException>(() => ImageListing.Read(path)).Message);
        File.WriteAllLines(path, ["""{"id":0,"uri":"a.png","label":"x","confidence":0.5,"source":"s"}""", "{not json"]);
        Assert.Contains("bad.jsonl:2:", Assert.Throws<InvalidDataFileException>(() => ImageListing.Read(path)).Message);
        File.WriteAllLines(path, ["""{"id":0,"uri":"a.png"}"""]);
        Assert.Contains("bad.jsonl:1: label is missing", Assert.Throws<InvalidDataFileException>(() => ImageListing.Read(path)).Message);
        File.WriteAllLines(path, ["""{"id":0,"uri":"/abs/a.png","label":"x","confidence":0.5,"source":"s"}"""]);
        var entry = ImageListing.Read(path).Single();
        Assert.Equal(new ImageListing.Entry(0, "/abs/a.png", "x", 0.5, "s"), entry);
        Assert.Equal("/abs/a.png", ImageListing.Resolve(path, entry));
    }
}
