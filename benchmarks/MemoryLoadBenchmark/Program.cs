using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VisualMemory.Core.Search;
using VisualMemory.Datasets;
using VisualMemory.Engine;
using VisualMemory.Engine.Durability;
using VisualMemory.Storage;
using VisualMemory.TestSupport;

// One durable memory written twice with the same data and the same steps, once into a local
// directory and once into s3rver (npm, tools/s3rver), then loaded again and again. Two stored
// states of each are kept side by side:
//   "log"  : everything but the last --log-items items checkpointed, those only in the write-ahead log;
//   "full" : a copy of the "log" state (objects and log) checkpointed once more: everything in
//            object storage, nothing in the log.
// Each round loads all four (store x state) in a rotated order, so all see the same machine noise.
// After every load, a fixed set of queries must return exactly the ids the memory returned before
// it was closed.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : fallback;
var items = Option("items", 1_000_000);
var dimension = Option("dimension", 64);
var logItems = Math.Min(Option("log-items", 100_000), items / 2);
var batchSize = Option("batch", 10_000);
var rounds = Option("rounds", 9);
var queryCount = Option("queries", 200);
var shards = Option("shards", 4);
var sealThreshold = Option("seal-threshold", 250_000);
var trainingSample = Option("training-sample", new MemorySettings().TrainingSampleSize);
var description = options.TryGetValue("index", out var ix) ? ix : "IVF1024,PQ16np";
const int K = 10;
const string Name = "load-bench";

var settings = new MemorySettings { SealThreshold = sealThreshold, TrainingSampleSize = trainingSample };
var definition = new MemoryDefinition(Name, dimension, description, Shards: shards, NProbe: 16);
if (definition.Problems() is { Count: > 0 } problems)
{
    throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")));
}

Console.WriteLine($"data: {items:N0} x {dimension} clustered vectors (500 clusters), index {description}, {shards} shards, nprobe 16, " +
    $"seal threshold {sealThreshold:N0}, training sample {trainingSample:N0}, upsert batches of {batchSize:N0}, {queryCount} check queries (k={K}), " +
    $"{rounds} load rounds, {logItems:N0} items left in the log for the replay measurement, {Environment.ProcessorCount} cores");
var watch = Stopwatch.StartNew();
var (data, labelOfRow) = SyntheticClusters.Generate(items, dimension, clusters: 500, spread: 0.7, seed: 1);
var (queries, _) = SyntheticClusters.Generate(queryCount, dimension, clusters: 500, spread: 0.7, seed: 2);
var ids = Enumerable.Range(0, items).Select(i => (long)i).ToArray();
// Two source tags, so the source column and vocabulary are exercised too.
var sources = Enumerable.Range(0, items).Select(i => i % 2 == 0 ? "synthetic-a" : "synthetic-b").ToArray();
Console.WriteLine($"generated in {watch.Elapsed.TotalSeconds:F1} s");

var work = Directory.CreateTempSubdirectory("vm-load-bench-").FullName;
var trainingSeconds = 0.0;
// The same s3rver launcher the tests use (tests/VisualMemory.TestSupport).
S3ServerFixture? s3rver = null;
var s3Stores = new List<S3ObjectStore>();
// Ctrl+C: stop s3rver (by its process id) and remove the temporary directory before exiting.
Console.CancelKeyPress += (_, _) => Cleanup();
try
{
    s3rver = new S3ServerFixture();
    await s3rver.InitializeAsync();
    Console.WriteLine($"s3rver listening on {s3rver.ServiceUrl}");
    var run = "run-" + Guid.NewGuid().ToString("N");
    S3ObjectStore S3Store(string prefix)
    {
        var store = new S3ObjectStore(new S3ObjectStoreOptions { ServiceUrl = s3rver.ServiceUrl, Bucket = S3ServerFixture.Bucket, Prefix = $"{run}/{prefix}" });
        s3Stores.Add(store);
        return store;
    }
    await S3Store("").CreateBucketIfMissingAsync();
    var backends = new[]
    {
        new Backend("local",
            new MemoryStorage(new LocalDirectoryObjectStore(Path.Combine(work, "objects-log")), Path.Combine(work, "wal-local-log")),
            new MemoryStorage(new LocalDirectoryObjectStore(Path.Combine(work, "objects-full")), Path.Combine(work, "wal-local-full"))),
        new Backend("s3rver",
            new MemoryStorage(S3Store("log"), Path.Combine(work, "wal-s3-log")),
            new MemoryStorage(S3Store("full"), Path.Combine(work, "wal-s3-full"))),
    };

    // For reference: how long training the quantizer alone takes (the first checkpoint does it).
    using (var index = VisualMemory.Faiss.FaissIndex.Create(dimension, description))
    {
        watch.Restart();
        index.Train(data.Slice(0, Math.Min(items, trainingSample)));
        Console.WriteLine($"quantizer training alone ({Math.Min(items, trainingSample):N0} vectors): {watch.Elapsed.TotalSeconds:F1} s");
        trainingSeconds = watch.Elapsed.TotalSeconds;
    }

    // 1. Write: ingest all but the last logItems, checkpoint, ingest the rest (log only), close.
    foreach (var backend in backends)
    {
        var memory = await LocalMemory.CreateAsync(definition, settings, backend.Log);
        try
        {
            var first = await IngestAsync(memory, 0, items - logItems);
            var stats = memory.StorageStats();
            Console.WriteLine($"{backend.Name}: after ingesting {items - logItems:N0}: {stats.StoredSegments} stored segments, {stats.LogRecords} log records ({stats.LogBytes / 1e6:F1} MB)");
            watch.Restart();
            await memory.CheckpointAsync();
            backend.CheckpointSeconds = watch.Elapsed.TotalSeconds;
            var rest = await IngestAsync(memory, items - logItems, logItems);
            backend.IngestSeconds = first + rest;
            backend.LogState = Baseline(memory);
            stats = memory.StorageStats();
            Console.WriteLine($"{backend.Name}: ingest {items / backend.IngestSeconds:N0} items/s, checkpoint {backend.CheckpointSeconds:F1} s, " +
                $"then {stats.LogRecords} log records ({stats.LogBytes / 1e6:F1} MB) not checkpointed, {stats.StoredSegments} stored segments");
        }
        finally
        {
            // Closed without a checkpoint: the last items stay in the log only.
            memory.Dispose();
        }
    }

    // 2. Copy each "log" state and checkpoint the copy: the "full" state.
    foreach (var backend in backends)
    {
        foreach (var item in await backend.Log.Objects.ListAsync(""))
        {
            await backend.Full.Objects.PutAsync(item.Key, await backend.Log.Objects.GetAsync(item.Key));
        }
        CopyDirectory(backend.Log.LogDirectory, backend.Full.LogDirectory);
        var memory = await LocalMemory.OpenAsync(Name, settings, backend.Full);
        try
        {
            watch.Restart();
            await memory.CheckpointAsync();
            backend.SecondCheckpointSeconds = watch.Elapsed.TotalSeconds;
            backend.FullState = Baseline(memory);
            var stats = memory.StorageStats();
            if (stats.LogRecords != 0)
            {
                throw new InvalidOperationException($"{backend.Name}: {stats.LogRecords} log records left after a checkpoint");
            }
            backend.StoredBytes = await backend.Full.StoredBytesAsync(Name);
            backend.SegmentBytes = stats.StoredSegmentBytes;
            backend.Segments = stats.StoredSegments;
        }
        finally
        {
            memory.Dispose();
        }
    }

    // 3. Load all four again and again. One untimed round first (JIT, first connections).
    var loads = backends.SelectMany(b => new[] { (Backend: b, Full: true), (Backend: b, Full: false) }).ToArray();
    for (var round = -1; round < rounds; round++)
    {
        for (var j = 0; j < loads.Length; j++)
        {
            var (backend, full) = loads[(j + Math.Max(round, 0)) % loads.Length];
            var state = full ? "full" : "log";
            watch.Restart();
            using var memory = await LocalMemory.OpenAsync(Name, settings, full ? backend.Full : backend.Log);
            var seconds = watch.Elapsed.TotalSeconds;
            var baseline = full ? backend.FullState! : backend.LogState!;
            if (memory.Count != baseline.Count)
            {
                throw new InvalidOperationException($"{backend.Name}, {state} state, round {round}: {memory.Count} items loaded, {baseline.Count} stored");
            }
            if (!SameIds(Search(memory), baseline.Results))
            {
                throw new InvalidOperationException($"{backend.Name}, {state} state, round {round}: query results differ from before the store");
            }
            if (round < 0)
            {
                Console.WriteLine($"warm-up load, {backend.Name}, {state}: {seconds:F2} s, results identical");
                continue;
            }
            (full ? backend.FullLoads : backend.LogLoads).Add(seconds);
            if (full)
            {
                backend.RamBytes = memory.StorageStats().RamBytes;
            }
        }
        // What the load's object reads alone cost: every object of the full state, one after another as a load reads them.
        foreach (var backend in round % 2 == 0 ? backends : backends.Reverse())
        {
            watch.Restart();
            foreach (var item in await backend.Full.Objects.ListAsync($"memories/{Name}/"))
            {
                _ = await backend.Full.Objects.GetAsync(item.Key);
            }
            if (round >= 0)
            {
                backend.RawReads.Add(watch.Elapsed.TotalSeconds);
            }
        }
        if (round >= 0)
        {
            Console.WriteLine($"round {round + 1}: loads (s) " + string.Join(", ", backends.Select(b => $"{b.Name} full {b.FullLoads[^1]:F2} log {b.LogLoads[^1]:F2} raw reads {b.RawReads[^1]:F2}")) + "; all results identical");
        }
    }

    // The two stores were written with the same data and steps; say whether they hold the same memory.
    var local = backends[0];
    var remote = backends[1];
    var sameResults = SameIds(local.FullState!.Results, remote.FullState!.Results) && SameIds(local.LogState!.Results, remote.LogState!.Results);
    Console.WriteLine($"local and s3rver memories: stored bytes {local.StoredBytes:N0} vs {remote.StoredBytes:N0}, " +
        $"query results {(sameResults ? "identical" : "DIFFERENT")}");

    var pqBytes = PqCodeBytes(description) + 8;
    Console.WriteLine();
    Console.WriteLine($"| measure ({items:N0} items, d={dimension}, {description}, {shards} shards) | local directory | s3rver | s3rver / local |");
    Console.WriteLine("|---|---|---|---|");
    Row("ingest (items/s, UpsertAsync incl. WAL fsync)", b => items / b.IngestSeconds, "N0");
    Row($"checkpoint of the first {items - logItems:N0} items (s; train, encode, store)", b => b.CheckpointSeconds, "F1");
    Console.WriteLine($"| for reference: quantizer training alone, same sample size, measured once (s) | {trainingSeconds:F1} | {trainingSeconds:F1} | |");
    Row($"checkpoint of the last {logItems:N0} items (s; encode, store)", b => b.SecondCheckpointSeconds, "F2");
    Row("load, fully checkpointed (s, median)", b => Median(b.FullLoads), "F2");
    Row($"load, last {logItems:N0} only in the log (s, median)", b => Median(b.LogLoads), "F2");
    // The log state replays the last items instead of reading them from segments (one segment object per shard fewer
    // to read); the difference of the two loads, taken within each round, is what replay costs over
    // reading them stored. The rate is given only where that difference is positive (NaN otherwise).
    Row($"load, log state minus fully checkpointed (s, median per-round difference)", b => Median(ExtraForLog(b)), "F3");
    Row("log replay (items/s, from that difference)", b => Median(ExtraForLog(b)) > 0 ? logItems / Median(ExtraForLog(b)) : double.NaN, "N0");
    Row("reading every stored object alone, no decoding (s, median)", b => Median(b.RawReads), "F2");
    Row("stored objects (bytes/item, every object of the memory)", b => b.StoredBytes / (double)items, "F1");
    Row("stored segments (bytes/item)", b => b.SegmentBytes / (double)items, "F1");
    Row("RAM after a full load (bytes/item, StorageStats().RamBytes)", b => b.RamBytes / (double)items, "F1");
    Console.WriteLine($"| raw PQ code + id (bytes/item, reference) | {pqBytes} | {pqBytes} | |");
    Console.WriteLine();
    Console.WriteLine($"stored segments: {local.Segments} (local), {remote.Segments} (s3rver)");
    Console.WriteLine($"loads, fully checkpointed (s): local {Join(local.FullLoads)}; s3rver {Join(remote.FullLoads)}");
    Console.WriteLine($"loads, log replay (s):         local {Join(local.LogLoads)}; s3rver {Join(remote.LogLoads)}");
    Console.WriteLine($"raw object reads (s):          local {Join(local.RawReads)}; s3rver {Join(remote.RawReads)}");
    var perRound = local.FullLoads.Select((t, i) => remote.FullLoads[i] / t).ToList();
    Console.WriteLine($"load ratio s3rver/local, fully checkpointed: {Median(remote.FullLoads) / Median(local.FullLoads):F2} (ratio of medians), " +
        $"{Median(perRound):F2} (median per-round ratio)");
    Console.WriteLine($"every load returned identical results for the {queryCount} check queries");

    void Row(string label, Func<Backend, double> value, string format)
    {
        var a = value(local);
        var b = value(remote);
        Console.WriteLine($"| {label} | {a.ToString(format, CultureInfo.InvariantCulture)} | {b.ToString(format, CultureInfo.InvariantCulture)} | {b / a:F2} |");
    }
}
finally
{
    Cleanup();
}

void Cleanup()
{
    s3Stores.ForEach(s => s.Dispose());
    s3rver?.DisposeAsync().GetAwaiter().GetResult();
    if (Directory.Exists(work))
    {
        Directory.Delete(work, recursive: true);
    }
}

static void CopyDirectory(string from, string to)
{
    foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
    {
        var target = Path.Combine(to, Path.GetRelativePath(from, file));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(file, target);
    }
}

async Task<double> IngestAsync(LocalMemory memory, int start, int count)
{
    var timer = Stopwatch.StartNew();
    for (var offset = start; offset < start + count; offset += batchSize)
    {
        var n = Math.Min(batchSize, start + count - offset);
        await memory.UpsertAsync(
            new ArraySegment<long>(ids, offset, n),
            new ArraySegment<string>(labelOfRow, offset, n),
            data.Data.AsMemory(offset * dimension, n * dimension),
            new ArraySegment<string>(sources, offset, n));
    }
    return timer.Elapsed.TotalSeconds;
}

Neighbor[][] Search(LocalMemory memory) => memory.Search(queries.Data, K);

Baseline Baseline(LocalMemory memory) => new(memory.Count, Search(memory));

static bool SameIds(Neighbor[][] a, Neighbor[][] b) =>
    a.Length == b.Length && a.Zip(b).All(p => p.First.Select(n => n.Id).SequenceEqual(p.Second.Select(n => n.Id)));

static List<double> ExtraForLog(Backend b) => [.. b.LogLoads.Select((t, i) => t - b.FullLoads[i])];

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Join(List<double> values) => string.Join(' ', values.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));

// M of a "...,PQ<M>..." description: bytes of one PQ code at 8 bits per sub-quantizer.
static int PqCodeBytes(string description) =>
    Regex.Match(description, @"PQ(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

internal sealed record Baseline(long Count, Neighbor[][] Results);

internal sealed class Backend(string name, MemoryStorage log, MemoryStorage full)
{
    public string Name { get; } = name;
    public MemoryStorage Log { get; } = log;
    public MemoryStorage Full { get; } = full;
    public double IngestSeconds { get; set; }
    public double CheckpointSeconds { get; set; }
    public double SecondCheckpointSeconds { get; set; }
    public long StoredBytes { get; set; }
    public long SegmentBytes { get; set; }
    public int Segments { get; set; }
    public long RamBytes { get; set; }
    public Baseline? LogState { get; set; }
    public Baseline? FullState { get; set; }
    public List<double> LogLoads { get; } = [];
    public List<double> FullLoads { get; } = [];
    public List<double> RawReads { get; } = [];
}
