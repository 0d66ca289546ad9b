using System.Globalization;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm prune run|list|offenders|apply|rollback --memory NAME ...: the pruning workflow of research.md
/// §1 — run a job, inspect the worst samples, apply hard or soft, roll back.
/// </summary>
internal static class PruneCommand
{
    public static async Task<int> Run(ApiClient api, string action, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        var path = $"/v1/memories/{memory}/prunes";
        switch (action)
        {
            case "run":
                var version = await api.Post(path, new
                {
                    k = args.Int("k", 100),
                    aggregation = args.String("aggregation", "rank"),
                    countAllNeighbours = args.Flag("all-neighbours"),
                    hardThreshold = args.Flag("hard-threshold") ? args.Int("hard-threshold", 0) : (int?)null,
                }).ConfigureAwait(false);
                output.WriteLine(Describe(version));
                return 0;
            case "list":
                var list = await api.Get(path).ConfigureAwait(false) ?? throw new ServerException($"memory '{memory}' not found");
                foreach (var v in list["versions"]!.AsArray())
                {
                    output.WriteLine(Describe(v!));
                }
                output.WriteLine(list["applied"] is JsonObject applied
                    ? $"applied: version {(int)applied["version"]!} ({(string?)applied["mode"]})"
                    : "applied: none");
                return 0;
            case "offenders":
                var number = args.Int("version", 0);
                var offenders = await api.Get($"{path}/{number}/offenders?limit={args.Int("limit", 20)}").ConfigureAwait(false)
                    ?? throw new ServerException($"memory '{memory}' or prune version {number} not found");
                foreach (var o in offenders["offenders"]!.AsArray())
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"id {(long)o!["id"]!,-12} {(string?)o["label"] ?? "(deleted)",-16} v {(int)o["count"]!,-6} γ {(double)o["reliability"]!:F3}{((bool)o["hardPruned"]! ? "  hard-pruned" : "")}"));
                }
                return 0;
            case "apply":
                var result = await api.Post($"{path}/{args.Int("version", 0)}/apply", new { mode = args.String("mode", "soft") }).ConfigureAwait(false);
                output.WriteLine($"applied version {(int)result["version"]!} ({(string?)result["mode"]})");
                return 0;
            case "rollback":
                var now = await api.Post($"{path}/rollback", new { }).ConfigureAwait(false);
                output.WriteLine(now["applied"] is JsonObject a ? $"now in force: version {(int)a["version"]!} ({(string?)a["mode"]})" : "now in force: no pruning");
                return 0;
            default:
                throw new UsageException($"unknown prune action '{action}'; use run, list, offenders, apply or rollback");
        }
    }

    private static string Describe(JsonNode v) => string.Create(CultureInfo.InvariantCulture,
        $"version {(int)v["version"]!}: k {(int)v["k"]!}, {(string?)v["aggregation"]}, {(long)v["misclassified"]!} of {(long)v["memorySize"]!} misclassified, {(int)v["blamed"]!} blamed, hard threshold {(int)v["hardThreshold"]!} removes {(int)v["hardPruned"]!}");
}
