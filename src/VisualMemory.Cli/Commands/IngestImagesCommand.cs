using System.Globalization;
using Spectre.Console;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm ingest --memory NAME --images LISTING.jsonl [--create --model NAME [--index Flat] [--shards 4]]
/// [--batch 64] [--parallel 2] [--source TAG] [--seal]: sends the listed images as multipart item batches
/// (N "image" parts with N "id", "label" and "source" fields); the server embeds them with the memory's model.
/// </summary>
internal static class IngestImagesCommand
{
    public static async Task<int> Run(ApiClient api, string memory, CliArguments args, TextWriter output)
    {
        var batch = args.Int("batch", 64);
        var parallel = args.Int("parallel", 2);
        if (batch < 1 || parallel < 1)
        {
            throw new UsageException("--batch and --parallel must be at least 1");
        }
        // An entry's own source wins; --source tags the rest (the unit users unlearn by).
        string? defaultSource = args.Flag("source") ? args.Required("source") : null;
        var listingPath = args.Required("images");
        var entries = ImageFiles.Listing(listingPath).ToArray();

        if (args.Flag("create") && await api.Get($"/v1/memories/{memory}").ConfigureAwait(false) is null)
        {
            var model = args.Required("model");
            var index = args.String("index", "Flat");
            await api.Post("/v1/memories", new { name = memory, model, index, shards = args.Int("shards", 4) }).ConfigureAwait(false);
            output.WriteLine($"created memory {memory} (model {model}, index {index})");
        }

        var batches = Enumerable.Range(0, (entries.Length + batch - 1) / batch).ToArray();
        var started = System.Diagnostics.Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"ingest {memory}", maxValue: entries.Length);
                // Several batches in flight keep the server's embedding batcher full while the next files are read.
                await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (b, _) =>
                {
                    var slice = entries.AsSpan(b * batch, Math.Min(batch, entries.Length - b * batch)).ToArray();
                    var images = new byte[slice.Length][];
                    for (var i = 0; i < slice.Length; i++)
                    {
                        images[i] = await ImageFiles.ReadAsync(ImageListing.Resolve(listingPath, slice[i]), $"{listingPath}: id {slice[i].Id}").ConfigureAwait(false);
                    }
                    var fields = slice.Select(e => KeyValuePair.Create("id", e.Id.ToString(CultureInfo.InvariantCulture)))
                        .Concat(slice.Select(e => KeyValuePair.Create("label", e.Label)));
                    if (slice.Any(e => (e.Source ?? defaultSource) is not null))
                    {
                        // Sources are positional like ids and labels, so either every item sends one or none does.
                        fields = fields.Concat(slice.Select(e => KeyValuePair.Create("source", e.Source ?? defaultSource ?? "")));
                    }
                    await api.PostMultipart($"/v1/memories/{memory}/items", images, fields).ConfigureAwait(false);
                    task.Increment(slice.Length);
                }).ConfigureAwait(false);
            }).ConfigureAwait(false);
        var seconds = started.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingested {entries.Length} images into {memory} in {seconds:F1} s ({entries.Length / Math.Max(seconds, 1e-9):F0} items/s)"));
        return 0;
    }
}
