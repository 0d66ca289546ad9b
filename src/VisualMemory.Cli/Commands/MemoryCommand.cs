using System.Globalization;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm memory show|seal|retrain --memory NAME: a memory's counts and where its bytes are (RAM, object
/// storage, write-ahead log), sealing it now, or retraining its quantizer.
/// </summary>
internal static class MemoryCommand
{
    public static async Task<int> Run(ApiClient api, string action, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        var info = action switch
        {
            "show" => await api.Get($"/v1/memories/{memory}").ConfigureAwait(false) ?? throw new ServerException($"memory '{memory}' not found"),
            "seal" => (await api.Post($"/v1/memories/{memory}/seal", new { }).ConfigureAwait(false))["memory"]!,
            "retrain" => (await api.Post($"/v1/memories/{memory}/retrain", new { }).ConfigureAwait(false))["memory"]!,
            _ => throw new UsageException($"unknown memory action '{action}'; use show, seal or retrain"),
        };
        Describe(info, output);
        return 0;
    }

    private static void Describe(JsonNode info, TextWriter output)
    {
        var storage = info["storage"]!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(string?)info["name"]}: {(long)info["count"]!:N0} items, {(int)info["labels"]!} labels, d={(int)info["dimension"]!}, {(string?)info["index"]}, {(int)info["shards"]!} shards, trained {((bool)info["trained"]! ? "yes" : "no")}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  RAM {Mib((long)storage["ramBytes"]!)}, object storage {Mib((long)storage["storedBytes"]!)} in {(int)storage["storedSegments"]!} segments, " +
            $"log {(long)storage["logRecords"]!:N0} records ({Mib((long)storage["logBytes"]!)}), pending forgets {(int)storage["pendingForgets"]!}"));
        if ((string?)info["lastSealError"] is { } error)
        {
            output.WriteLine($"  last seal: {error}");
        }
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):F1} MiB");
}
