using System.Globalization;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli.Commands;

/// <summary>vm embed --image FILE [--model NAME] [--summary]: prints the server's embedding of one image as JSON, or a one-line summary.</summary>
internal static class EmbedCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var path = args.Required("image");
        var model = args.Flag("model") ? args.Required("model") : null;
        var image = await ImageFiles.ReadAsync(path).ConfigureAwait(false);
        // Without --model the server uses its only model, or says which ones it has.
        var result = await api.PostMultipart(model is null ? "/v1/embed" : $"/v1/embed?model={Uri.EscapeDataString(model)}", [image], []).ConfigureAwait(false);
        if (args.Flag("summary"))
        {
            var vector = result["vector"]!.AsArray().Select(v => (double)v!).ToArray();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model {(string?)result["model"]} (sha256 {(string?)result["sha256"]})  dimension {(int)result["dimension"]!}  norm {Math.Sqrt(vector.Sum(v => v * v)):F4}  first [{string.Join(", ", vector.Take(4).Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}, ...]"));
        }
        else
        {
            output.WriteLine(result.ToJsonString());
        }
        return 0;
    }
}
