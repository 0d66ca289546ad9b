using Spectre.Console;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm ingest --memory NAME --vectors FILE --labels FILE [--create --index DESC --shards N]
/// [--id-start N] [--batch N] [--seal]: streams a vector file into a memory in batches with a progress bar;
/// with --images LISTING.jsonl it sends images instead (<see cref="IngestImagesCommand"/>); with --manifest it
/// starts a bulk-ingest job on the node and follows it (<see cref="JobsCommand"/>).
/// </summary>
internal static class IngestCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        if (args.Flag("manifest"))
        {
            return await JobsCommand.Start(api, args, output).ConfigureAwait(false);
        }
        var memory = args.Required("memory");
        if (args.Flag("images"))
        {
            await IngestImagesCommand.Run(api, memory, args, output).ConfigureAwait(false);
            return await Seal(api, memory, args, output).ConfigureAwait(false);
        }
        var vectors = VectorFiles.Read(args.Required("vectors"));
        var labels = LabelFile.Read(args.Required("labels"));
        if (labels.Length != vectors.Rows)
        {
            throw new InvalidDataFileException($"{args.Required("labels")}: {labels.Length} labels for {vectors.Rows} vectors");
        }
        var batch = args.Int("batch", 1000);
        if (batch < 1)
        {
            throw new UsageException("--batch must be at least 1");
        }
        var idStart = args.Long("id-start", 0);
        // One source tag for the whole file: the unit users unlearn by (a dataset, a licence).
        string? source = args.Flag("source") ? args.Required("source") : null;

        if (args.Flag("create") && await api.Get($"/v1/memories/{memory}").ConfigureAwait(false) is null)
        {
            await api.Post("/v1/memories", new
            {
                name = memory,
                dimension = vectors.Dimension,
                index = args.String("index", "Flat"),
                shards = args.Int("shards", 4),
            }).ConfigureAwait(false);
            output.WriteLine($"created memory {memory} (d={vectors.Dimension}, index {args.String("index", "Flat")})");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"ingest {memory}", maxValue: vectors.Rows);
                for (var start = 0; start < vectors.Rows; start += batch)
                {
                    var count = Math.Min(batch, vectors.Rows - start);
                    var items = Enumerable.Range(start, count).Select(i => new
                    {
                        id = idStart + i,
                        label = labels[i],
                        vector = vectors.Row(i).ToArray(),
                        source,
                    });
                    await api.Post($"/v1/memories/{memory}/items", new { items }).ConfigureAwait(false);
                    task.Increment(count);
                }
            }).ConfigureAwait(false);
        output.WriteLine($"ingested {vectors.Rows} items into {memory} in {started.Elapsed.TotalSeconds:F1} s ({vectors.Rows / Math.Max(started.Elapsed.TotalSeconds, 1e-9):F0} items/s)");
        return await Seal(api, memory, args, output).ConfigureAwait(false);
    }

    private static async Task<int> Seal(ApiClient api, string memory, CliArguments args, TextWriter output)
    {
        if (args.Flag("seal"))
        {
            var sealedRows = await api.Post($"/v1/memories/{memory}/seal", new { }).ConfigureAwait(false);
            output.WriteLine($"sealed {(long?)sealedRows["sealed"]} rows");
        }
        return 0;
    }
}
