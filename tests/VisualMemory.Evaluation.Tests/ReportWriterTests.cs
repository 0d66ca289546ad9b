using System.Text.Json;
using System.Xml.Linq;
using VisualMemory.Evaluation.Harness;
using VisualMemory.Evaluation.Reporting;

namespace VisualMemory.Evaluation.Tests;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Writes_markdown_json_and_valid_svg_for_every_experiment()
    {
        var options = HarnessOptions.Quick with { LinearEpochs = 1 };
        var run = EvaluationHarness.Run(SyntheticDataset.Create(), options);
        Assert.Equal(Enum.GetValues<ExperimentKind>().Length + 1, run.Timings.Count);

        var written = ReportWriter.Write(run, _directory, "vm eval --report x --quick");
        Assert.Equal(["report.md", "report.json", "accuracy-vs-k.svg", "pruning.svg", "label-noise.svg", "reliability.svg"], written.Select(Path.GetFileName));

        var markdown = File.ReadAllText(Path.Combine(_directory, "report.md"));
        Assert.StartsWith("# Evaluation report: synthetic", markdown);
        Assert.Contains("vm eval --report x --quick", markdown);
        Assert.Contains("| aggregation | k=1 | k=3 | k=10 | k=30 | k=100 |", markdown);
        foreach (var heading in new[] { "## Accuracy against k", "## Pruning", "## New classes", "## Unlearning", "## Label noise", "## Calibration", "## Privacy audit", "## JOINT-INF", "## Where we agree or disagree with the paper" })
        {
            Assert.Contains(heading, markdown);
        }
        Assert.Contains("**Unlearning is exact** — agree", markdown);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "report.json")));
        Assert.Equal("synthetic", json.RootElement.GetProperty("run").GetProperty("dataset").GetString());
        Assert.Equal(4, json.RootElement.GetProperty("run").GetProperty("accuracyVsK").GetProperty("curves").GetArrayLength());

        foreach (var svg in written.Where(p => p.EndsWith(".svg", StringComparison.Ordinal)))
        {
            var root = XDocument.Parse(File.ReadAllText(svg)).Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Contains(root.Descendants(), e => e.Name.LocalName == "polyline");
        }
    }

    [Fact]
    public void Runs_only_the_selected_experiments()
    {
        var options = HarnessOptions.Quick with { Experiments = new HashSet<ExperimentKind> { ExperimentKind.Unlearning } };
        var run = EvaluationHarness.Run(SyntheticDataset.Create(), options);
        Assert.NotNull(run.Unlearning);
        Assert.Null(run.AccuracyVsK);
        Assert.Equal(["unlearning"], run.Timings.Select(t => t.Step));
        var markdown = ReportMarkdown.Render(run, "vm");
        Assert.DoesNotContain("## Accuracy against k", markdown);
        Assert.Empty(ReportCharts.Render(run));
    }
}
