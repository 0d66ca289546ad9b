using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm prepare fashion-mnist|mnist --out DIR [--source DIR] [--images] [--limit N]: writes train/test .npy and
/// label files, and with --images each image as a PNG plus a JSON Lines listing per split.
/// </summary>
internal static class PrepareCommand
{
    public static int Run(string name, CliArguments args, TextWriter output)
    {
        var dataset = IdxDataset.Known.FirstOrDefault(d => d.Name == name)
            ?? throw new UsageException($"unknown dataset '{name}'; available: {string.Join(", ", IdxDataset.Known.Select(d => d.Name))}");
        var source = args.String("source", dataset.DefaultDirectory);
        var target = args.Required("out");
        var limit = args.Int("limit", int.MaxValue);
        if (limit < 1)
        {
            throw new UsageException("--limit must be at least 1");
        }
        var started = System.Diagnostics.Stopwatch.StartNew();
        // --limit keeps the first N of each split, so a test or a quick look need not write 70 000 files.
        var train = dataset.ReadImages(source, train: true).Take(limit);
        var test = dataset.ReadImages(source, train: false).Take(limit);
        var split = IdxDataset.Vectors(train, test);
        IdxDataset.Export(split, target);
        output.WriteLine($"wrote {split.Train.Rows} train and {split.Test.Rows} test vectors (d={split.Train.Dimension}, mean-centred, L2-normalised pixels) to {target}");
        if (args.Flag("images"))
        {
            IdxDataset.ExportImages(train, target, "train");
            IdxDataset.ExportImages(test, target, "test");
            output.WriteLine($"wrote {train.Count} + {test.Count} PNG images ({train.Width}x{train.Height} greyscale) and train-images.jsonl, test-images.jsonl to {target} in {started.Elapsed.TotalSeconds:F1} s");
        }
        return 0;
    }
}
