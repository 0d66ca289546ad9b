using System.Text.Json;
using System.Text.Json.Serialization;
using VisualMemory.Evaluation.Harness;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>Writes a run's report into a folder: report.md, report.json and the SVG charts.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// Writes the report of <paramref name="run"/> into <paramref name="directory"/> (created when
    /// missing) and returns the paths written, report.md first.
    /// </summary>
    /// <param name="run">The measurements.</param>
    /// <param name="directory">The report's folder, e.g. docs/evaluation/fashion-mnist.</param>
    /// <param name="command">The command line that regenerates the report, quoted at its top.</param>
    public static IReadOnlyList<string> Write(EvaluationRun run, string directory, string command)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        void Save(string name, string text)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, text);
            written.Add(path);
        }
        Save("report.md", ReportMarkdown.Render(run, command));
        Save("report.json", JsonSerializer.Serialize(new { command, run, totalSeconds = run.TotalSeconds }, Json));
        foreach (var (name, svg) in ReportCharts.Render(run))
        {
            Save(name, svg);
        }
        return written;
    }
}
