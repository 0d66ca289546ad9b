using System.Text.Json;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Tests;

public sealed class EvalReportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-eval-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // The harness runs in-process: any attempt to reach a server fails the test.
    private static async Task<(int Exit, string Output, string Error)> Vm(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Run(args, output, error, _ => throw new InvalidOperationException("eval --report must not contact a server"));
        return (exit, output.ToString(), error.ToString());
    }

    private string WriteDataset()
    {
        var dataset = Path.Combine(_directory, "tiny");
        Directory.CreateDirectory(dataset);
        var (vectors, labels) = SyntheticClusters.Generate(500, 8, clusters: 4, spread: 1.0, seed: 7);
        NpyFile.Write(Path.Combine(dataset, "train.npy"), new VectorSet(400, 8, vectors.Data[..(400 * 8)]));
        LabelFile.Write(Path.Combine(dataset, "train-labels.txt"), labels[..400]);
        NpyFile.Write(Path.Combine(dataset, "test.npy"), new VectorSet(100, 8, vectors.Data[(400 * 8)..]));
        LabelFile.Write(Path.Combine(dataset, "test-labels.txt"), labels[400..]);
        return dataset;
    }

    [Fact]
    public async Task Quick_report_on_a_vector_file_dataset_writes_markdown_and_json()
    {
        var dataset = WriteDataset();
        var reports = Path.Combine(_directory, "reports");
        var result = await Vm("eval", "--report", reports, "--dataset", dataset, "--quick");
        Assert.True(result.Exit == 0, result.Error);
        var folder = Path.Combine(reports, "tiny");
        Assert.Contains($"to {folder}", result.Output);
        var markdown = await File.ReadAllTextAsync(Path.Combine(folder, "report.md"));
        Assert.Contains($"vm eval --report {reports} --dataset {dataset} --quick", markdown);
        Assert.Contains("## Where we agree or disagree with the paper", markdown);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "report.json")));
        Assert.True(json.RootElement.GetProperty("run").GetProperty("quick").GetBoolean());
        Assert.True(File.Exists(Path.Combine(folder, "accuracy-vs-k.svg")));
    }

    [Fact]
    public async Task Selected_experiments_only()
    {
        var dataset = WriteDataset();
        var reports = Path.Combine(_directory, "reports");
        var result = await Vm("eval", "--report", reports, "--dataset", dataset, "--quick", "--experiments", "unlearning,new-classes", "--new-classes", "c0");
        Assert.True(result.Exit == 0, result.Error);
        var markdown = await File.ReadAllTextAsync(Path.Combine(reports, "tiny", "report.md"));
        Assert.Contains("`c0`", markdown);
        Assert.DoesNotContain("## Accuracy against k", markdown);
    }

    [Fact]
    public async Task Bad_options_exit_2_with_a_clear_message()
    {
        var unknownExperiment = await Vm("eval", "--report", _directory, "--experiments", "accuracy-vs-k,bogus");
        Assert.Equal(2, unknownExperiment.Exit);
        Assert.Contains("unknown experiment 'bogus'", unknownExperiment.Error);

        var unknownOption = await Vm("eval", "--report", _directory, "--frobnicate", "3");
        Assert.Equal(2, unknownOption.Exit);
        Assert.Contains("eval --report does not take --frobnicate", unknownOption.Error);

        var badNumber = await Vm("eval", "--report", _directory, "--max-train", "many");
        Assert.Equal(2, badNumber.Exit);
        Assert.Contains("--max-train must be an integer", badNumber.Error);

        var missingDirectory = await Vm("eval", "--report");
        Assert.Equal(2, missingDirectory.Exit);
        Assert.Contains("--report is required", missingDirectory.Error);

        var unknownClass = await Vm("eval", "--report", _directory, "--dataset", WriteDataset(), "--new-classes", "zebra");
        Assert.Equal(2, unknownClass.Exit);
        Assert.Contains("'zebra' is not a label", unknownClass.Error);
    }

    [Fact]
    public async Task A_missing_dataset_exits_3()
    {
        var result = await Vm("eval", "--report", _directory, "--dataset", Path.Combine(_directory, "absent"));
        Assert.Equal(3, result.Exit);
        Assert.Contains("no such dataset directory", result.Error);
    }
}
