using System.Globalization;
using System.Text.Json.Nodes;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm classify --memory NAME (--vector "x,y,..." | --vectors FILE --row N | --image FILE) [--k N]
/// [--aggregation rank] [--explain] [--pruning none|hard|soft] [--residual] [--hierarchy ks|votes]
/// [--lambda L]: prints the label, the confidence and what was asked for besides.
/// </summary>
internal static class ClassifyCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        var explain = args.Flag("explain");
        double? lambda = args.Flag("lambda")
            ? double.TryParse(args.Required("lambda"), NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : throw new UsageException("--lambda must be a number in [0, 1]")
            : null;
        // The same parameters either way: JSON beside a vector, or form fields beside an image.
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["k"] = args.Int("k", 10),
            ["aggregation"] = args.String("aggregation", "rank"),
            ["explain"] = explain,
            ["pruning"] = args.Flag("pruning") ? args.Required("pruning") : null,
            ["residual"] = args.Flag("residual"),
            ["hierarchy"] = args.Flag("hierarchy") ? args.Required("hierarchy") : null,
            ["lambda"] = lambda,
        };
        JsonNode result;
        if (args.Flag("image"))
        {
            // The server embeds the image with the memory's own model, so no model is named here.
            var image = await ImageFiles.ReadAsync(args.Required("image")).ConfigureAwait(false);
            var fields = parameters.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key,
                p.Value is bool flag ? (flag ? "true" : "false") : Convert.ToString(p.Value, CultureInfo.InvariantCulture)!));
            result = await api.PostMultipart($"/v1/memories/{memory}/classify", [image], fields).ConfigureAwait(false);
        }
        else
        {
            parameters["vector"] = ReadVector(args);
            result = await api.Post($"/v1/memories/{memory}/classify", parameters).ConfigureAwait(false);
        }
        Print(result, output, "");
        if (result["levels"] is JsonArray levels)
        {
            output.WriteLine("levels:");
            foreach (var level in levels)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(int)level!["depth"]!}  {(string?)level["node"],-20} score {(double)level["score"]!:G4}  confidence {(double)level["confidence"]!:F4}"));
            }
        }
        if (result["residual"] is JsonObject residual)
        {
            output.Write("residual: ");
            Print(residual, output, "  ");
        }
        return 0;
    }

    private static float[] ReadVector(CliArguments args)
    {
        if (args.Flag("vector"))
        {
            return [.. args.Required("vector").Split(',', StringSplitOptions.TrimEntries).Select(v =>
                float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : throw new UsageException($"--vector: '{v}' is not a number"))];
        }
        if (!args.Flag("vectors"))
        {
            throw new UsageException("classify needs --vector, --vectors FILE --row N, or --image FILE");
        }
        var set = VectorFiles.Read(args.Required("vectors"));
        var row = args.Int("row", 0);
        if (row < 0 || row >= set.Rows)
        {
            throw new UsageException($"--row must be between 0 and {set.Rows - 1}");
        }
        return set.Row(row).ToArray();
    }

    private static void Print(JsonNode result, TextWriter output, string indent)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(string?)result["label"]}\tconfidence {(double)result["confidence"]!:F4}"));
        if (result["neighbors"] is JsonArray neighbors)
        {
            foreach (var n in neighbors)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{indent}  id {(long)n!["id"]!,-12} {(string?)n["label"],-16} similarity {(double)n["similarity"]!:F4}  weight {(double)n["weight"]!:F4}  reliability {(double)n["reliability"]!:F3}  source {(string?)n["source"] ?? "-"}"));
            }
        }
    }
}
