using System.Diagnostics;
using System.Globalization;
using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Engine;
using VisualMemory.Engine.Durability;
using VisualMemory.Storage;

// The same rows loaded into two durable memories on the local directory store, both with the same
// quantizer trained once on a sample of the first rows:
//   "bulk"   : LocalMemory.BulkLoadAsync, one call per chunk (encode outside the locks, register by
//              a checkpoint that stores the segments; no write-ahead log);
//   "bulk-nomerge": the same with MergeSegments = 0, so every chunk stays its own segment in each shard
//              (what checkpoints did before they folded IVF segments by their codes);
//   "upsert" : UpsertAsync in batches (write-ahead log, fsync per batch; shards seal and checkpoint at
//              the seal threshold as they fill), then one CheckpointAsync so everything is stored too.
// Rows are generated chunk by chunk (SyntheticClusters.GenerateRange) and never all held at once, so the
// same program scales to 10M rows; only the engine calls are timed. At the end, a fixed set of queries
// compares the two memories' top-10 with each other and each with exact search over all rows.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : fallback;
var rows = Option("rows", 200_000);
var chunk = Option("chunk", 50_000);
var dimension = Option("dimension", 768);
var shards = Option("shards", 4);
var trainingSample = Option("training-sample", 50_000);
var upsertBatch = Option("batch", 10_000);
var sealThreshold = Option("seal-threshold", new MemorySettings().SealThreshold);
var queryCount = Option("queries", 100);
var description = options.TryGetValue("index", out var ix) ? ix : "IVF1024,PQ64np";
var modes = options.TryGetValue("mode", out var m) ? m.Split(',') : ["bulk", "upsert"];
const int Clusters = 1000;
const double Spread = 0.7;
const int Seed = 1;
const int K = 10;
// latent=N: rows vary along an N-dimensional subspace (like image embeddings) instead of isotropic noise.
var latent = Option("latent", 0);
int[] nprobes = options.TryGetValue("nprobes", out var np) ? [.. np.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] : [];
(VectorSet Vectors, string[] Labels) Rows(long first, int count) => latent > 0
    ? SyntheticClusters.GenerateRange(first, count, dimension, Clusters, Spread, Seed, latent)
    : SyntheticClusters.GenerateRange(first, count, dimension, Clusters, Spread, Seed);

var settings = new MemorySettings { SealThreshold = sealThreshold, TrainingSampleSize = trainingSample };
var definition = new MemoryDefinition("bulk-bench", dimension, description, Shards: shards, NProbe: 32);
if (definition.Problems() is { Count: > 0 } problems)
{
    throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")));
}
var cores = Environment.ProcessorCount;
Console.WriteLine($"data: {rows:N0} x {dimension} clustered vectors ({Clusters} clusters, streamed), index {description}, {shards} shards, " +
    $"bulk chunks of {chunk:N0}, upsert batches of {upsertBatch:N0}, seal threshold {sealThreshold:N0}, training sample {trainingSample:N0}, {cores} cores");

var work = Directory.CreateTempSubdirectory("vm-bulk-bench-").FullName;
Console.CancelKeyPress += (_, _) => Directory.Delete(work, recursive: true);
try
{
    var (sample, _) = Rows(0, Math.Min(rows, trainingSample));
    // Queries: fresh rows of the same stream (past the loaded ones), so none is stored.
    var (queries, _) = Rows(rows + 1_000_000L, queryCount);
    var results = new Dictionary<string, Neighbor[][]>();
    var p50 = new Dictionary<(string Mode, int NProbe), double>();
    var throughput = new Dictionary<string, double>();
    // Exact top-K of every query over all rows, kept while streaming the first mode's chunks (untimed).
    var exact = Enumerable.Range(0, queryCount).Select(_ => new List<(long Id, float Score)>()).ToArray();
    var normalisedQueries = definition.Preprocess(queries.Data);
    foreach (var mode in modes)
    {
        var objects = Path.Combine(work, mode, "objects");
        var storage = new MemoryStorage(new LocalDirectoryObjectStore(objects), Path.Combine(work, mode, "wal"));
        var modeSettings = mode == "bulk-nomerge"
            ? new MemorySettings { SealThreshold = sealThreshold, TrainingSampleSize = trainingSample, MergeSegments = 0 }
            : settings;
        using var memory = await LocalMemory.CreateAsync(definition, modeSettings, storage);
        var watch = Stopwatch.StartNew();
        await memory.TrainQuantizerAsync(sample.Data);
        Console.WriteLine($"{mode}: quantizer trained on {sample.Rows:N0} rows in {watch.Elapsed.TotalSeconds:F1} s (not counted below)");

        var timed = TimeSpan.Zero;
        long added = 0;
        var cpu = TimeSpan.Zero;
        for (var start = 0; start < rows; start += chunk)
        {
            var count = Math.Min(chunk, rows - start);
            var (vectors, labels) = Rows(start, count);
            long[] ids = [.. Enumerable.Range(start, count).Select(i => (long)i)];
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            watch.Restart();
            if (mode.StartsWith("bulk", StringComparison.Ordinal))
            {
                var result = await memory.BulkLoadAsync($"bench/chunk-{start / chunk:D6}", ids, labels, vectors.Data);
                added += result.Added;
            }
            else
            {
                for (var b = 0; b < count; b += upsertBatch)
                {
                    var n = Math.Min(upsertBatch, count - b);
                    await memory.UpsertAsync(ids[b..(b + n)], labels[b..(b + n)], vectors.Data.AsMemory(b * dimension, n * dimension));
                }
                added += count;
            }
            timed += watch.Elapsed;
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            if (mode == modes[0])
            {
                var top = VisualMemory.Faiss.FaissNative.KnnInnerProduct(normalisedQueries, definition.Preprocess(vectors.Data), dimension, Math.Min(K, count));
                for (var q = 0; q < queryCount; q++)
                {
                    var hits = top.IdsOf(q);
                    var scores = top.ScoresOf(q);
                    for (var j = 0; j < hits.Length; j++)
                    {
                        exact[q].Add((start + hits[j], scores[j]));
                    }
                    exact[q] = [.. exact[q].OrderByDescending(h => h.Score).ThenBy(h => h.Id).Take(K)];
                }
            }
            var gc = GC.GetGCMemoryInfo();
            Console.WriteLine($"{mode}: {start + count:N0} rows, {timed.TotalSeconds:F1} s so far; working set {Environment.WorkingSet / 1e9:F2} GB, " +
                $"managed heap {GC.GetTotalMemory(false) / 1e9:F2} GB (committed {gc.TotalCommittedBytes / 1e9:F2} GB), memory's own estimate {memory.StorageStats().RamBytes / 1e9:F2} GB");
        }
        if (mode == "upsert")
        {
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            watch.Restart();
            await memory.CheckpointAsync();
            timed += watch.Elapsed;
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        }
        throughput[mode] = added / timed.TotalSeconds;
        var stats = memory.StorageStats();
        var objectBytes = Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"{mode}: {added:N0} rows in {timed.TotalSeconds:F1} s = {added / timed.TotalSeconds:N0} items/s, " +
            $"{added / timed.TotalSeconds / cores:N0} items/s per core, {added / cpu.TotalSeconds:N0} items per CPU-second (process CPU in the timed calls {cpu.TotalSeconds:F1} s)");
        Console.WriteLine($"{mode}: RAM {stats.RamBytes / (double)added:F1} bytes/item, stored segments {stats.StoredSegmentBytes / (double)added:F1} bytes/item " +
            $"({stats.StoredSegments} segments), every object {objectBytes / (double)added:F1} bytes/item, log records {stats.LogRecords}, count {memory.Count:N0}");
        results[mode] = memory.Search(queries.Data, K);
        var recall = Enumerable.Range(0, queryCount).Average(q => results[mode][q].Select(n => n.Id).Intersect(exact[q].Select(h => h.Id)).Count() / (double)K);
        Console.WriteLine($"{mode}: recall@{K} against exact search, {queryCount} queries, nprobe {definition.NProbe}: {recall:P1}");
        Console.WriteLine($"{mode}: process working set {Environment.WorkingSet / (double)added:F1} bytes/item ({Environment.WorkingSet / 1e9:F2} GB)");
        // Recall and latency by nprobe: one query at a time (the latency a caller sees on this node) and all at once.
        // Recall and latency by nprobe, one query at a time (the latency a caller sees on this node) and all at
        // once; each with the coarse assignment shared by the memory's segments (the default) and, for the
        // ratio, assigned per segment, in the same run on the same memory (a warm-up pass first).
        foreach (var probes in nprobes)
        {
            var latency = new Dictionary<bool, (double P50, double P90, double Qps, double Recall)>();
            foreach (var share in new[] { true, false, true })
            {
                modeSettings.ShareCoarseAssignment = share;
                var single = new double[queryCount];
                Neighbor[][] found = new Neighbor[queryCount][];
                for (var q = 0; q < queryCount; q++)
                {
                    watch.Restart();
                    found[q] = memory.Search(queries.Data.AsSpan(q * dimension, dimension), K, probes)[0];
                    single[q] = watch.Elapsed.TotalMilliseconds;
                }
                watch.Restart();
                memory.Search(queries.Data, K, probes);
                var batchSeconds = watch.Elapsed.TotalSeconds;
                Array.Sort(single);
                var r = Enumerable.Range(0, queryCount).Average(q => found[q].Select(n => n.Id).Intersect(exact[q].Select(h => h.Id)).Count() / (double)K);
                latency[share] = (single[queryCount / 2], single[queryCount * 9 / 10], queryCount / batchSeconds, r);
            }
            modeSettings.ShareCoarseAssignment = true;
            p50[(mode, probes)] = latency[true].P50;
            foreach (var (share, (p50Ms, p90Ms, qps, r)) in latency.OrderByDescending(l => l.Key))
            {
                Console.WriteLine($"{mode}: nprobe {probes,4}, coarse assignment {(share ? "shared" : "per segment")}: recall@{K} {r:P1}, " +
                    $"one query p50 {p50Ms:F2} ms p90 {p90Ms:F2} ms, batch of {queryCount} {qps:N0} queries/s");
            }
            Console.WriteLine($"{mode}: nprobe {probes,4}: ratio shared / per segment: one-query p50 {latency[true].P50 / latency[false].P50:F2}, " +
                $"batch queries/s {latency[true].Qps / latency[false].Qps:F2}");
        }
    }
    if (results.Count == 2)
    {
        var a = results[modes[0]];
        var b = results[modes[1]];
        var same = Enumerable.Range(0, a.Length).Average(q => a[q].Select(n => n.Id).Intersect(b[q].Select(n => n.Id)).Count() / (double)K);
        Console.WriteLine($"top-{K} overlap, {modes[0]} vs {modes[1]}, {queryCount} queries at nprobe {definition.NProbe}: {same:P1}");
        Console.WriteLine($"ratio {modes[1]} / {modes[0]}: items/s {throughput[modes[1]] / throughput[modes[0]]:F2}" +
            string.Concat(nprobes.Select(p => $", one-query p50 at nprobe {p} {p50[(modes[1], p)] / p50[(modes[0], p)]:F2}")));
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}
