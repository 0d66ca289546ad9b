using System.Globalization;
using VisualMemory.Datasets;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// The image half of vm eval --images LISTING.jsonl [--embed-batch 64] [--parallel 2]: embeds the listed
/// query images with the memory's own model (POST /v1/embed/batch), checking that the server's model is
/// the very one the memory was built with, and hands the vectors to the usual search and table.
/// </summary>
internal static class EvalImagesCommand
{
    public static async Task<(VectorSet Queries, string[] Labels)> Embed(ApiClient api, string memory, CliArguments args, int limit, TextWriter output)
    {
        var embedBatch = args.Int("embed-batch", 64);
        var parallel = args.Int("parallel", 2);
        if (embedBatch < 1 || parallel < 1)
        {
            throw new UsageException("--embed-batch and --parallel must be at least 1");
        }
        var listingPath = args.Required("images");
        var entries = ImageFiles.Listing(listingPath).Take(limit).ToArray();

        var definition = await api.Get($"/v1/memories/{memory}").ConfigureAwait(false)
            ?? throw new ServerException($"404: memory '{memory}' not found");
        var model = (string?)definition["model"]?["name"];
        var sha256 = (string?)definition["model"]?["sha256"];
        if (model is null)
        {
            throw new UsageException($"memory {memory} has no embedding model, so it cannot be queried with images; use --queries FILE --labels FILE");
        }

        var batches = Enumerable.Range(0, (entries.Length + embedBatch - 1) / embedBatch).ToArray();
        var vectors = new float[entries.Length][];
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Several requests in flight let the server's batcher fill its model batches while the CLI reads files.
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (b, _) =>
        {
            var first = b * embedBatch;
            var slice = entries.AsSpan(first, Math.Min(embedBatch, entries.Length - first)).ToArray();
            var images = new byte[slice.Length][];
            for (var i = 0; i < slice.Length; i++)
            {
                images[i] = await ImageFiles.ReadAsync(ImageListing.Resolve(listingPath, slice[i]), $"{listingPath}: id {slice[i].Id}").ConfigureAwait(false);
            }
            var response = await api.PostMultipart($"/v1/embed/batch?model={Uri.EscapeDataString(model)}", images, []).ConfigureAwait(false);
            if ((string?)response["sha256"] != sha256)
            {
                throw new ServerException($"the server's model '{model}' has sha256 {(string?)response["sha256"]}, but memory {memory} was built with {sha256}; its vectors would not be comparable");
            }
            var returned = response["vectors"]!.AsArray();
            if (returned.Count != slice.Length)
            {
                throw new ServerException($"asked to embed {slice.Length} images, got {returned.Count} vectors");
            }
            for (var i = 0; i < slice.Length; i++)
            {
                vectors[first + i] = [.. returned[i]!.AsArray().Select(v => (float)v!)];
            }
        }).ConfigureAwait(false);
        var seconds = started.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"embedded {entries.Length} query images with {model} in {seconds:F1} s ({entries.Length / Math.Max(seconds, 1e-9):F0} images/s)"));

        var dimension = vectors[0].Length;
        var data = new float[entries.Length * dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i].CopyTo(data, i * dimension);
        }
        return (new VectorSet(entries.Length, dimension, data), [.. entries.Select(e => e.Label)]);
    }
}
