using System.Text.Json;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>vm taxonomy --memory NAME --file PARENTS.json: sets the label taxonomy from {"child": "parent" | null, ...}.</summary>
internal static class TaxonomyCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        var file = args.Required("file");
        Dictionary<string, string?> parents;
        try
        {
            parents = JsonSerializer.Deserialize<Dictionary<string, string?>>(File.ReadAllText(file))
                ?? throw new InvalidDataFileException($"{file}: expected a JSON object of child → parent");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new InvalidDataFileException($"{file}: {e.Message}");
        }
        await api.Put($"/v1/memories/{memory}/taxonomy", new { parents }).ConfigureAwait(false);
        output.WriteLine($"taxonomy of {memory}: {parents.Count} nodes");
        return 0;
    }
}
