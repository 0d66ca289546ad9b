using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VisualMemory.Datasets;
using VisualMemory.Engine;
using VisualMemory.Faiss;

// Side-by-side, interleaved rounds so both sides see the same machine noise. Our side is the whole
// shard search path (segments, tombstone filter, labels, merge), not just the FAISS call.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "");
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var rows = Option("rows", 200_000);
var dimension = Option("dim", 64);
var queryCount = Option("queries", 5_000);
var k = Option("k", 10);
var nprobe = Option("nprobe", 16);
var threads = Option("threads", Environment.ProcessorCount);
var rounds = Option("rounds", 7);
var description = options.TryGetValue("index", out var d) ? d : "IVF1024,PQ16np";

Console.WriteLine($"data: {rows} x {dimension} clustered vectors, {queryCount} queries, index {description}, k={k}, nprobe={nprobe}, threads={threads}, rounds={rounds}");
var (data, labels) = SyntheticClusters.Generate(rows, dimension, clusters: 500, spread: 0.7, seed: 1);
var (queries, _) = SyntheticClusters.Generate(queryCount, dimension, clusters: 500, spread: 0.7, seed: 2);
var ids = Enumerable.Range(0, rows).Select(i => (long)i).ToArray();

FaissNative.Threads = threads;
using var template = FaissIndex.Create(dimension, description);
var watch = Stopwatch.StartNew();
template.Train(data.Slice(0, Math.Min(rows, 100_000)));
Console.WriteLine($"trained in {watch.Elapsed.TotalSeconds:F1} s");

using var shard = new Shard(0, dimension);
var noSources = new int[rows];
Array.Fill(noSources, -1);
await shard.Upsert(ids, [.. labels.Select(l => int.Parse(l.AsSpan(1), CultureInfo.InvariantCulture))], noSources, data.Data);
shard.Seal(template);

// The peer reads the very same index: the template plus the same rows in the same order, which is
// what the shard's sealed segment holds.
var work = Directory.CreateTempSubdirectory("vm-bench-").FullName;
using var rawIndex = template.Clone();
rawIndex.Add(data.Data, ids);
File.WriteAllBytes(Path.Combine(work, "index.faiss"), rawIndex.Serialize());
NpyFile.Write(Path.Combine(work, "queries.npy"), queries);

var ours = new List<double>();
var theirs = new List<double>();
var raw = new List<double>();
List<List<long>>? peerIds = null;
VisualMemory.Core.Search.Neighbor[][]? ourResults = null;
for (var round = 0; round < rounds; round++)
{
    // Every measurement is preceded by one untimed search (the peer process has just loaded its
    // index, so it is warm too), and ours and the bare call swap places each round so neither
    // always runs on the caches the other warmed.
    void MeasureOurs()
    {
        _ = shard.Search(queries.Data, k, nprobe);
        watch.Restart();
        ourResults = shard.Search(queries.Data, k, nprobe);
        ours.Add(watch.Elapsed.TotalSeconds);
    }
    // The bare binding call on the same index: separates our C# post-processing from the FAISS call.
    void MeasureBare()
    {
        _ = rawIndex.Search(queries.Data, k, nprobe);
        watch.Restart();
        _ = rawIndex.Search(queries.Data, k, nprobe);
        raw.Add(watch.Elapsed.TotalSeconds);
    }
    if (round % 2 == 0)
    {
        MeasureOurs();
        MeasureBare();
    }
    else
    {
        MeasureBare();
        MeasureOurs();
    }
    var peer = RunPeer(work, k, nprobe, threads);
    theirs.Add(peer.Seconds);
    peerIds = peer.Ids;
}

var agree = 0;
for (var q = 0; q < queryCount; q++)
{
    agree += ourResults![q].Select(n => n.Id).Intersect(peerIds![q]).Count();
}
var ourMedian = Median(ours);
var peerMedian = Median(theirs);
Console.WriteLine($"result overlap with the peer: {agree / (double)(queryCount * k):P2} of ids");
Console.WriteLine($"ours  (VisualMemory shard search): median {ourMedian * 1000:F1} ms = {queryCount / ourMedian:F0} queries/s");
Console.WriteLine($"peer  (python3-faiss index.search): median {peerMedian * 1000:F1} ms = {queryCount / peerMedian:F0} queries/s");
Console.WriteLine($"bare  (our FaissIndex.Search, no shard): median {Median(raw) * 1000:F1} ms = {queryCount / Median(raw):F0} queries/s");
// The machine is shared and its speed drifts between rounds, so the ratio is taken within each
// round (the two sides ran back to back) and the median of those per-round ratios is reported.
var perRound = ours.Select((t, i) => theirs[i] / t).ToList();
var overBare = ours.Select((t, i) => raw[i] / t).ToList();
Console.WriteLine($"per-round ratios ours/peer: {string.Join(' ', perRound.Select(r => r.ToString("F3", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"shard path vs bare binding (median per-round ratio): {Median(overBare):F3}");
Console.WriteLine($"throughput ratio ours/peer (median per-round ratio): {Median(perRound):F3} (goal >= 0.95)");
Directory.Delete(work, recursive: true);

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static (double Seconds, List<List<long>> Ids) RunPeer(string work, int k, int nprobe, int threads)
{
    var start = new ProcessStartInfo("/usr/bin/python3",
        [Path.Combine(AppContext.BaseDirectory, "faiss_peer.py"), Path.Combine(work, "index.faiss"), Path.Combine(work, "queries.npy"),
         k.ToString(CultureInfo.InvariantCulture), nprobe.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture), "2"])
    { RedirectStandardOutput = true };
    // Same BLAS threading as our shim applies by default.
    start.Environment["OPENBLAS_NUM_THREADS"] = "1";
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException("python3-faiss peer failed; is python3-faiss installed?");
    }
    using var json = JsonDocument.Parse(output);
    // The second round, like ours: measured warm.
    var seconds = json.RootElement.GetProperty("seconds")[1].GetDouble();
    var ids = json.RootElement.GetProperty("ids").EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt64()).ToList()).ToList();
    return (seconds, ids);
}
