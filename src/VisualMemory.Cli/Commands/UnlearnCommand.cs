using System.Globalization;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm unlearn --memory NAME (--ids 1,2,3 | --source TAG | --label LABEL), and vm unlearn --memory
/// NAME --log to list the audit log.
/// </summary>
internal static class UnlearnCommand
{
    private static readonly string[] Selectors = ["ids", "source", "label"];

    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        if (args.Flag("log"))
        {
            var log = await api.Get($"/v1/memories/{memory}/unlearning").ConfigureAwait(false) ?? throw new ServerException($"memory '{memory}' not found");
            foreach (var r in log["records"]!.AsArray())
            {
                var forgotten = r!["forgottenAt"] is { } at
                    ? string.Create(CultureInfo.InvariantCulture, $"forgotten {(DateTimeOffset)at:u}")
                    : "forgetting pending (a stored object may still hold them)";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"#{(long)r["sequence"]!} {(DateTimeOffset)r["at"]!:u} {(string?)r["kind"]} {(string?)r["selector"]}: {(long)r["deleted"]!} deleted, {forgotten}"));
            }
            return 0;
        }
        var chosen = Selectors.Where(args.Flag).ToList();
        if (chosen.Count != 1)
        {
            throw new UsageException("unlearn needs exactly one of --ids, --source, --label (or --log)");
        }
        object body = chosen[0] switch
        {
            "ids" => new { ids = args.Required("ids").Split(',', StringSplitOptions.TrimEntries).Select(ParseId).ToArray() },
            "source" => new { source = args.Required("source") },
            _ => new { label = args.Required("label") },
        };
        var record = await api.Post($"/v1/memories/{memory}/unlearn", body).ConfigureAwait(false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"unlearned {(long)record["deleted"]!} items ({(string?)record["kind"]} {(string?)record["selector"]}); audit record #{(long)record["sequence"]!}"));
        return 0;
    }

    private static long ParseId(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) ? id : throw new UsageException($"--ids: '{text}' is not a 64-bit integer");
}
