using VisualMemory.Evaluation.Data;
using VisualMemory.Evaluation.Harness;
using VisualMemory.Evaluation.Reporting;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm eval --report DIR [--dataset fashion-mnist|DIR] [--quick] [--experiments NAME,...] [--seed N]
/// [--new-classes A,B] [--max-train N] [--max-test N]: runs the evaluation harness in-process and
/// writes DIR/&lt;dataset&gt;/report.md, report.json and the charts. Progress goes to stderr.
/// </summary>
internal static class EvalReportCommand
{
    private static readonly HashSet<string> Known =
        new(["report", "dataset", "quick", "experiments", "seed", "new-classes", "max-train", "max-test", "server"], StringComparer.Ordinal);

    public static int Run(string[] commandLine, CliArguments args, TextWriter output, TextWriter error)
    {
        if (args.Names.FirstOrDefault(n => !Known.Contains(n)) is { } unknown)
        {
            throw new UsageException($"eval --report does not take --{unknown}");
        }
        var root = args.Required("report");
        var spec = args.String("dataset", FashionMnistDataset.Name);
        var preset = args.Flag("quick") ? HarnessOptions.Quick : HarnessOptions.Full;
        var experiments = args.StringList("experiments", [.. ExperimentNames.All]).Select(name =>
            ExperimentNames.TryParse(name, out var kind) ? kind : throw new UsageException($"unknown experiment '{name}'; available: {string.Join(", ", ExperimentNames.All)}")).ToHashSet();
        if (experiments.Count == 0)
        {
            throw new UsageException("--experiments names no experiment");
        }
        var newClasses = args.StringList("new-classes", []);
        var options = preset with
        {
            Experiments = experiments,
            Seed = args.Int("seed", preset.Seed),
            MaxTrain = args.Int("max-train", preset.MaxTrain),
            MaxTest = args.Int("max-test", preset.MaxTest),
            HeldOutClasses = newClasses.Length == 0 ? null : newClasses,
        };
        if (options.Problem() is { } problem)
        {
            throw new UsageException(problem);
        }
        // Options are checked before the dataset is read, so a usage error is reported as one.
        var dataset = DatasetSpec.Load(spec);
        var missing = newClasses.FirstOrDefault(c => !dataset.TrainLabels.Contains(c) || !dataset.TestLabels.Contains(c));
        if (missing is not null)
        {
            throw new UsageException($"--new-classes: '{missing}' is not a label of both splits of {dataset.Name}");
        }
        var run = EvaluationHarness.Run(dataset, options, error);
        var directory = Path.Combine(root, run.Dataset);
        var written = ReportWriter.Write(run, directory, "vm " + string.Join(' ', commandLine));
        output.WriteLine(FormattableString.Invariant($"wrote {written.Count} files to {directory} ({run.TotalSeconds:F1} s): {string.Join(", ", written.Select(Path.GetFileName))}"));
        return 0;
    }
}
