using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>vm prepare fashion-mnist --out DIR [--source DIR]: writes train/test .npy and label files.</summary>
internal static class PrepareCommand
{
    public static int Run(string dataset, CliArguments args, TextWriter output)
    {
        if (dataset != "fashion-mnist")
        {
            throw new UsageException($"unknown dataset '{dataset}'; available: fashion-mnist");
        }
        var source = args.String("source", FashionMnist.DebianDirectory);
        var target = args.Required("out");
        if (!Directory.Exists(source))
        {
            throw new InvalidDataFileException($"{source}: not found; install Debian's dataset-fashion-mnist package");
        }
        var split = FashionMnist.Load(source);
        FashionMnist.Export(split, target);
        output.WriteLine($"wrote {split.Train.Rows} train and {split.Test.Rows} test vectors (d={split.Train.Dimension}, mean-centred, L2-normalised pixels) to {target}");
        return 0;
    }
}
