using System.Globalization;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// Bulk ingest jobs: <c>vm ingest --manifest FILE --memory NAME</c> starts one and follows it with a live
/// progress bar (items/s, ETA) until it ends; <c>vm jobs [ID] [--cancel|--resume|--follow]</c> lists, shows
/// and controls them. Exit 0 when the job succeeded, 6 when it failed or was cancelled.
/// </summary>
internal static class JobsCommand
{
    /// <summary>Exit code of a job that ended without succeeding.</summary>
    public const int JobNotSucceeded = 6;

    /// <summary>vm ingest --manifest FILE --memory NAME [--min-confidence C] [--labels a,b] [--chunk-rows N] [--train-sample N] [--detach].</summary>
    public static async Task<int> Start(ApiClient api, CliArguments options, TextWriter output)
    {
        var memory = options.Required("memory");
        var manifest = options.Required("manifest");
        float? minConfidence = options.String("min-confidence", "") is { Length: > 0 } text
            ? float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new UsageException($"--min-confidence '{text}' is not a number")
            : null;
        var labels = options.StringList("labels", []);
        var body = new JsonObject
        {
            ["memory"] = memory,
            // The node reads the manifest, so a local path is made absolute here, where it was typed.
            ["manifest"] = manifest.StartsWith("store://", StringComparison.Ordinal) ? manifest : Path.GetFullPath(manifest),
        };
        if (minConfidence is { } min)
        {
            body["minConfidence"] = min;
        }
        if (labels.Length > 0)
        {
            body["labels"] = new JsonArray([.. labels.Select(l => (JsonNode?)JsonValue.Create(l))]);
        }
        if (options.Int("chunk-rows", 0) is > 0 and var chunk)
        {
            body["chunkRows"] = chunk;
        }
        if (options.Int("train-sample", 0) is > 0 and var sample)
        {
            body["trainSample"] = sample;
        }
        var job = await api.Post("/v1/jobs/ingest", body).ConfigureAwait(false);
        var id = (long)job["id"]!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"job {id}: loading {job["parts"]!.AsArray().Count} parts into memory {memory}"));
        return options.Flag("detach") ? 0 : await Follow(api, id, options, output).ConfigureAwait(false);
    }

    /// <summary>vm jobs [ID] [--cancel | --resume | --follow].</summary>
    public static async Task<int> Run(ApiClient api, string[] positional, CliArguments options, TextWriter output)
    {
        if (positional.Length == 0)
        {
            var list = await api.Get("/v1/jobs").ConfigureAwait(false);
            foreach (var job in list!["jobs"]!.AsArray())
            {
                output.WriteLine(Summary(job!));
            }
            return 0;
        }
        if (!long.TryParse(positional[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new UsageException($"'{positional[0]}' is not a job id");
        }
        if (options.Flag("cancel") || options.Flag("resume"))
        {
            await api.Post($"/v1/jobs/{id}/{(options.Flag("cancel") ? "cancel" : "resume")}", new { }).ConfigureAwait(false);
        }
        if (options.Flag("follow") || options.Flag("resume"))
        {
            return await Follow(api, id, options, output).ConfigureAwait(false);
        }
        var view = await api.Get($"/v1/jobs/{id}").ConfigureAwait(false) ?? throw new ServerException($"404 Not Found: no job {id}");
        Describe(view, output);
        return (string?)view["state"] is "succeeded" or "running" ? 0 : JobNotSucceeded;
    }

    // Polls the job; on a terminal the bar is redrawn in place, otherwise a line is printed every few seconds.
    private static async Task<int> Follow(ApiClient api, long id, CliArguments options, TextWriter output)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(50, options.Int("interval-ms", 500)));
        var inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var lastLine = DateTime.MinValue;
        while (true)
        {
            var view = await api.Get($"/v1/jobs/{id}").ConfigureAwait(false) ?? throw new ServerException($"404 Not Found: no job {id}");
            var state = (string?)view["state"];
            var bar = Bar(view);
            if (inPlace)
            {
                output.Write("\r" + bar.PadRight(Math.Max(bar.Length, 110)));
            }
            else if (state != "running" || DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(5))
            {
                output.WriteLine(bar);
                lastLine = DateTime.UtcNow;
            }
            if (state != "running")
            {
                if (inPlace)
                {
                    output.WriteLine();
                }
                Describe(view, output);
                return state == "succeeded" ? 0 : JobNotSucceeded;
            }
            await Task.Delay(interval).ConfigureAwait(false);
        }
    }

    /// <summary>One line: a bar, rows, rate and ETA.</summary>
    internal static string Bar(JsonNode view)
    {
        var totals = view["totals"]!;
        var read = (long)totals["rowsRead"]!;
        var total = (long?)totals["totalRows"];
        var fraction = total is > 0 ? Math.Clamp((double)read / total.Value, 0, 1)
            : (double)((int)totals["partsDone"]! + (int)totals["partsFailed"]!) / Math.Max(1, (int)totals["partsTotal"]!);
        const int width = 24;
        var filled = (int)Math.Round(fraction * width);
        var eta = (double?)view["etaSeconds"] is { } seconds ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}% {read:N0}{(total is { } t ? $"/{t:N0}" : "")} rows  {(double)view["itemsPerSecond"]!:N0} items/s  ETA {eta}  added {(long)totals["added"]!:N0}  dup {(long)totals["duplicates"]!:N0}  filtered {(long)totals["filtered"]!:N0}  bad {(long)totals["bad"]!:N0}");
    }

    private static string Summary(JsonNode job) => string.Create(CultureInfo.InvariantCulture,
        $"{(long)job["id"]!,5}  {(string?)job["state"],-10} {(string?)job["memory"],-20} {(long)job["totals"]!["added"]!,14:N0} added  {(int)job["totals"]!["partsDone"]!}/{(int)job["totals"]!["partsTotal"]!} parts  {(string?)job["createdAt"]}");

    private static void Describe(JsonNode view, TextWriter output)
    {
        var totals = view["totals"]!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"job {(long)view["id"]!} {(string?)view["state"]}: {(long)totals["rowsRead"]!:N0} rows read, {(long)totals["added"]!:N0} added, {(long)totals["duplicates"]!:N0} duplicates, {(long)totals["filtered"]!:N0} filtered, {(long)totals["bad"]!:N0} bad; {(int)totals["partsDone"]!}/{(int)totals["partsTotal"]!} parts done, {(int)totals["partsFailed"]!} failed"));
        if ((string?)view["message"] is { } message)
        {
            output.WriteLine($"  {message}");
        }
        foreach (var part in view["parts"]!.AsArray())
        {
            if ((string?)part!["error"] is { } error)
            {
                output.WriteLine($"  part {(string?)part["name"]}: {error}");
            }
            foreach (var bad in part["badRows"]!.AsArray().Take(5))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  part {(string?)part["name"]} row {(long)bad!["row"]!}: {(string?)bad["message"]}"));
            }
        }
    }
}
