using System.Globalization;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm classify --memory NAME (--vector "x,y,..." | --vectors FILE --row N) [--k N]
/// [--aggregation rank] [--explain]: prints the label, the confidence and optionally the neighbours.
/// </summary>
internal static class ClassifyCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        float[] vector;
        if (args.Flag("vector"))
        {
            vector = [.. args.Required("vector").Split(',', StringSplitOptions.TrimEntries).Select(v =>
                float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new UsageException($"--vector: '{v}' is not a number"))];
        }
        else
        {
            var set = VectorFiles.Read(args.Required("vectors"));
            var row = args.Int("row", 0);
            if (row < 0 || row >= set.Rows)
            {
                throw new UsageException($"--row must be between 0 and {set.Rows - 1}");
            }
            vector = set.Row(row).ToArray();
        }
        var explain = args.Flag("explain");
        var result = await api.Post($"/v1/memories/{memory}/classify", new
        {
            vector,
            k = args.Int("k", 10),
            aggregation = args.String("aggregation", "rank"),
            explain,
        }).ConfigureAwait(false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(string?)result["label"]}\tconfidence {(double)result["confidence"]!:F4}"));
        if (explain)
        {
            foreach (var n in result["neighbors"]!.AsArray())
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  id {(long)n!["id"]!,-12} {(string?)n["label"],-16} similarity {(double)n["similarity"]!:F4}  weight {(double)n["weight"]!:F4}"));
            }
        }
        return 0;
    }
}
