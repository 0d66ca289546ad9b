using System.Globalization;
using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Evaluation;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Search;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm eval --memory NAME (--queries FILE --labels FILE | --images LISTING.jsonl) [--k 1,10,50,100]
/// [--aggregations plurality,distance,softmax,rank] [--limit N] [--batch N]: top-1 accuracy table.
/// With --images the query images are embedded first (see <see cref="EvalImagesCommand"/>).
/// </summary>
internal static class EvalCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments args, TextWriter output)
    {
        var memory = args.Required("memory");
        var ks = args.IntList("k", [1, 10, 50, 100]);
        if (ks.Length == 0 || ks.Any(k => k < 1 || k > 1000))
        {
            throw new UsageException("--k values must be between 1 and 1000");
        }
        var aggregations = args.StringList("aggregations", [.. AggregationOptions.KindNames]).Select(name =>
            AggregationOptions.TryParseKind(name, out var kind) ? new AggregationOptions(kind) : throw new UsageException($"unknown aggregation '{name}'")).ToList();
        var limit = args.Int("limit", int.MaxValue);
        if (limit < 1)
        {
            throw new UsageException("--limit must be at least 1");
        }
        if (args.Flag("images"))
        {
            var (embedded, embeddedLabels) = await EvalImagesCommand.Embed(api, memory, args, limit, output).ConfigureAwait(false);
            return await Evaluate(api, memory, embedded, embeddedLabels, ks, aggregations, Math.Clamp(args.Int("batch", 256), 1, 1024), output).ConfigureAwait(false);
        }
        var batch = Math.Clamp(args.Int("batch", 256), 1, 1024);
        // Options are checked before any file is read, so a usage error is reported as one.
        var queries = VectorFiles.Read(args.Required("queries"));
        var labels = LabelFile.Read(args.Required("labels"));
        if (labels.Length != queries.Rows)
        {
            throw new InvalidDataFileException($"{args.Required("labels")}: {labels.Length} labels for {queries.Rows} queries");
        }
        var count = Math.Min(queries.Rows, limit);
        return await Evaluate(api, memory, queries, labels[..count], ks, aggregations, batch, output).ConfigureAwait(false);
    }

    /// <summary>Searches the first <c>labels.Length</c> rows of <paramref name="queries"/> in batches and prints the accuracy table.</summary>
    private static async Task<int> Evaluate(ApiClient api, string memory, VectorSet queries, string[] labels, int[] ks,
        List<AggregationOptions> aggregations, int batch, TextWriter output)
    {
        var count = labels.Length;
        var vocabulary = new LabelVocabulary();
        var neighbors = new List<Neighbor[]>(count);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var start = 0; start < count; start += batch)
        {
            var n = Math.Min(batch, count - start);
            var response = await api.Post($"/v1/memories/{memory}/search/batch", new
            {
                vectors = Enumerable.Range(start, n).Select(i => queries.Row(i).ToArray()),
                k = ks.Max(),
            }).ConfigureAwait(false);
            foreach (var result in response["results"]!.AsArray())
            {
                neighbors.Add([.. result!["neighbors"]!.AsArray().Select(x => new Neighbor(
                    (long)x!["id"]!, vocabulary.GetOrAdd((string)x["label"]!), (float)x["similarity"]!))]);
            }
        }
        var searchSeconds = started.Elapsed.TotalSeconds;
        var truth = labels.Select(vocabulary.GetOrAdd).ToArray();
        var cells = KnnEvaluation.Accuracy(neighbors, truth, ks, aggregations);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top-1 accuracy (%) on {count} queries against memory {memory}; search {searchSeconds:F1} s ({count / searchSeconds:F0} queries/s)"));
        output.WriteLine("aggregation  " + string.Concat(ks.Select(k => $"{"k=" + k,9}")));
        foreach (var group in cells.GroupBy(c => c.Aggregation))
        {
            output.WriteLine($"{AggregationOptions.NameOf(group.Key),-12} " + string.Concat(group.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Accuracy * 100,9:F2}"))));
        }
        return 0;
    }
}
