using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VisualMemory.Core.Vectors;
using VisualMemory.Embedding.Batching;
using VisualMemory.Embedding.Models;
using VisualMemory.Embedding.Preprocessing;
using VisualMemory.Imaging;
using VisualMemory.OnnxRuntime;

// Embedding on CPU (issue 6). Two models: the shipped demo CNN (models/demo, 32×32 input) and a synthetic
// ResNet-ish CNN with random weights at 224×224 (~51 M multiply-adds per image, written by make_inputs.py
// together with 64 test images into a temp directory at start).
// 1. Model only: OnnxModel.Run on one thread in a closed loop, per batch size and intra-op thread count.
// 2. End to end per image: libvips decode+resize, ImageTensor, EmbeddingBatcher (one model run at a time),
//    per max batch size and number of concurrent closed-loop callers; plus decode-only throughput.
var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
double Seconds(string name, double fallback) => options.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
int[] Ints(string name, string fallback) => (options.TryGetValue(name, out var v) ? v : fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var seconds = Seconds("seconds", 2);
var warmup = Seconds("warmup", 0.5);
var batches = Ints("batches", "1,2,4,8,16,32,64");
var threads = Ints("threads", "2,1");
var maxBatches = Ints("max-batch", "1,8,32");
var callerCounts = Ints("callers", "1,4,16");
var e2eThreads = Ints("e2e-threads", "2")[0];
var models = (options.TryGetValue("models", out var m) ? m : "demo,synthetic").Split(',');
var skipE2e = options.ContainsKey("no-e2e");

var root = FindRoot();
var work = Directory.CreateTempSubdirectory("embedding-bench-");
try
{
    RunPython(Path.Combine(AppContext.BaseDirectory, "make_inputs.py"), work.FullName);
    var images = Directory.GetFiles(Path.Combine(work.FullName, "images")).Order(StringComparer.Ordinal)
        .Select(f => (Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToArray();
    var specJson = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
    var catalogue = new Dictionary<string, (string Onnx, ModelSpec Spec)>(StringComparer.Ordinal)
    {
        ["demo"] = (Path.Combine(root, "models/demo/demo-model.onnx"), ReadSpec(Path.Combine(root, "models/demo/demo-model.spec.json"))),
        ["synthetic"] = (Path.Combine(work.FullName, "synthetic-cnn.onnx"), ReadSpec(Path.Combine(work.FullName, "synthetic-cnn.spec.json"))),
    };
    ModelSpec ReadSpec(string path) => JsonSerializer.Deserialize<ModelSpec>(File.ReadAllBytes(path), specJson) ?? throw new InvalidDataException(path);

    Console.WriteLine($"ONNX Runtime {OnnxModel.RuntimeVersion}, CPU execution provider, graph optimisation 'all'; {Environment.ProcessorCount} cores; " +
        $"{seconds} s per cell after {warmup} s warm-up; {images.Length} images ({images.Count(i => i.Name.EndsWith(".png", StringComparison.Ordinal))} PNG 28×28 grey, " +
        $"{images.Count(i => i.Name.EndsWith(".jpg", StringComparison.Ordinal))} JPEG 640×480 colour)");

    foreach (var name in models)
    {
        var (onnxPath, spec) = catalogue[name];
        Console.WriteLine();
        Console.WriteLine($"### Model only: {name} ({spec.CropSize}×{spec.CropSize} → {spec.Dimension}), OnnxModel.Run, one caller");
        Console.WriteLine();
        Console.WriteLine("| intra-op threads | batch | images/s | p50 ms/batch | p99 ms/batch | runs |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var t in threads)
        {
            using var model = OnnxModel.Load(onnxPath, new OnnxSettings { IntraOpThreads = t, GraphOptimizationLevel = "all" });
            foreach (var batch in batches)
            {
                var input = new float[batch * spec.InputLength];
                var random = new Random(batch);
                for (var i = 0; i < input.Length; i++)
                {
                    input[i] = (float)(random.NextDouble() * 2 - 1);
                }
                int[] shape = [batch, 3, spec.CropSize, spec.CropSize];
                Loop(warmup, () => model.Run(spec.InputName, input, shape));
                var (elapsed, latencies) = Loop(seconds, () => model.Run(spec.InputName, input, shape));
                Console.WriteLine(Invariant($"| {t} | {batch} | {latencies.Count * batch / elapsed:F0} | {Percentile(latencies, 0.50):F2} | {Percentile(latencies, 0.99):F2} | {latencies.Count} |"));
            }
        }
    }

    if (!skipE2e)
    {
        Console.WriteLine();
        Console.WriteLine("### Decode only (libvips decode + resize shorter side + centre crop), images/s, 1 or 2 calling threads");
        Console.WriteLine();
        Console.WriteLine("| images | target | 1 thread | 2 threads | + ImageTensor, 2 threads |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var name in models)
        {
            var spec = catalogue[name].Spec;
            foreach (var (label, suffix) in new[] { ("28×28 grey PNG", ".png"), ("640×480 colour JPEG", ".jpg") })
            {
                var set = images.Where(i => i.Name.EndsWith(suffix, StringComparison.Ordinal)).Select(i => i.Bytes).ToArray();
                var one = DecodeRate(set, spec, 1, tensor: false, seconds);
                var two = DecodeRate(set, spec, 2, tensor: false, seconds);
                var withTensor = DecodeRate(set, spec, 2, tensor: true, seconds);
                Console.WriteLine(Invariant($"| {label} | {spec.ResizeShorterSide} → {spec.CropSize} ({name}) | {one:F0} | {two:F0} | {withTensor:F0} |"));
            }
        }

        foreach (var name in models)
        {
            var (onnxPath, spec) = catalogue[name];
            using var model = OnnxModel.Load(onnxPath, new OnnxSettings { IntraOpThreads = e2eThreads, GraphOptimizationLevel = "all" });
            Console.WriteLine();
            Console.WriteLine($"### End to end per image: {name}, decode + ImageTensor + EmbeddingBatcher (max wait {new BatchingOptions().MaxWaitMicroseconds} µs), intra-op threads {e2eThreads}, all {images.Length} images round robin");
            Console.WriteLine();
            Console.WriteLine("| max batch | callers | images/s | p50 ms/image | p99 ms/image | mean batch |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            foreach (var maxBatch in maxBatches)
            {
                foreach (var callers in callerCounts)
                {
                    var batcher = new EmbeddingBatcher(spec.InputLength, spec.Dimension, (input, rows) => RunModel(model, spec, input, rows),
                        new BatchingOptions { MaxBatchSize = maxBatch });
                    await using (batcher.ConfigureAwait(false))
                    {
                        await EndToEnd(batcher, spec, images, callers, warmup).ConfigureAwait(false);
                        var before = batcher.Totals;
                        var (elapsed, latencies) = await EndToEnd(batcher, spec, images, callers, seconds).ConfigureAwait(false);
                        var after = batcher.Totals;
                        var meanBatch = (after.Rows - before.Rows) / (double)Math.Max(1, after.Runs - before.Runs);
                        Console.WriteLine(Invariant($"| {maxBatch} | {callers} | {latencies.Count / elapsed:F0} | {Percentile(latencies, 0.50):F2} | {Percentile(latencies, 0.99):F2} | {meanBatch:F1} |"));
                    }
                }
            }
        }
    }
}
finally
{
    work.Delete(recursive: true);
}

// Closed loop on this thread for `duration` seconds (at least 3 calls); per-call latencies in ms.
static (double Elapsed, List<double> Latencies) Loop(double duration, Action action)
{
    var latencies = new List<double>();
    var start = Stopwatch.GetTimestamp();
    var end = start + (long)(duration * Stopwatch.Frequency);
    while (Stopwatch.GetTimestamp() < end || latencies.Count < 3)
    {
        var t0 = Stopwatch.GetTimestamp();
        action();
        latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
    return (Stopwatch.GetElapsedTime(start).TotalSeconds, latencies);
}

// What the server's EmbeddingModels.Run does: one model run on `rows` images, then L2-normalise each row.
static float[] RunModel(OnnxModel model, ModelSpec spec, float[] input, int rows)
{
    var (output, shape) = model.Run(spec.InputName, input, [rows, 3, spec.CropSize, spec.CropSize]);
    if (shape.Length != 2 || shape[0] != rows || shape[1] != spec.Dimension)
    {
        throw new InvalidOperationException($"model output shape [{string.Join(", ", shape)}] is not [{rows}, {spec.Dimension}]");
    }
    if (spec.NormalizeOutput)
    {
        VectorMath.NormalizeRows(output, spec.Dimension);
    }
    return output;
}

// What the server's ImageEmbedder does per request.
static float[] Prepare(byte[] encoded, ModelSpec spec)
{
    var decoded = ImageDecoder.Decode(encoded, new ImageDecodeOptions
    {
        TargetWidth = spec.ResizeShorterSide,
        TargetHeight = spec.ResizeShorterSide,
        Mode = ResizeMode.ShorterSideThenCenterCrop,
    });
    var tensor = new float[spec.InputLength];
    ImageTensor.Write(decoded.Pixels.Span, decoded.Width, decoded.Height, spec, tensor);
    return tensor;
}

// `callers` closed-loop callers, each: take the next image, decode + tensor, await the batcher. Latency per image
// from the start of its decode to its embedding.
static async Task<(double Elapsed, List<double> Latencies)> EndToEnd(EmbeddingBatcher batcher, ModelSpec spec, (string Name, byte[] Bytes)[] images, int callers, double duration)
{
    var next = -1;
    var start = Stopwatch.GetTimestamp();
    var end = start + (long)(duration * Stopwatch.Frequency);
    var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
    {
        var latencies = new List<double>();
        while (Stopwatch.GetTimestamp() < end)
        {
            var image = images[(int)((uint)Interlocked.Increment(ref next) % (uint)images.Length)];
            var t0 = Stopwatch.GetTimestamp();
            var embedding = await batcher.EmbedAsync(Prepare(image.Bytes, spec)).ConfigureAwait(false);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (embedding.Length != spec.Dimension)
            {
                throw new InvalidOperationException($"embedding of {embedding.Length} floats");
            }
        }
        return latencies;
    })).ToArray();
    var all = (await Task.WhenAll(tasks).ConfigureAwait(false)).SelectMany(l => l).ToList();
    return (Stopwatch.GetElapsedTime(start).TotalSeconds, all);
}

static double DecodeRate(byte[][] set, ModelSpec spec, int parallelism, bool tensor, double duration)
{
    var options = new ImageDecodeOptions { TargetWidth = spec.ResizeShorterSide, TargetHeight = spec.ResizeShorterSide, Mode = ResizeMode.ShorterSideThenCenterCrop };
    void One(byte[] bytes)
    {
        if (tensor)
        {
            _ = Prepare(bytes, spec);
        }
        else
        {
            _ = ImageDecoder.Decode(bytes, options);
        }
    }
    foreach (var bytes in set)
    {
        One(bytes);
    }
    var count = 0L;
    var start = Stopwatch.GetTimestamp();
    var end = start + (long)(duration * Stopwatch.Frequency);
    Parallel.For(0, parallelism, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, worker =>
    {
        for (var i = worker; Stopwatch.GetTimestamp() < end; i += parallelism)
        {
            One(set[i % set.Length]);
            Interlocked.Increment(ref count);
        }
    });
    return count / Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static double Percentile(List<double> values, double q)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "VisualMemoryCluster.sln")))
        {
            return dir.FullName;
        }
    }
    throw new DirectoryNotFoundException("run from inside the repository (VisualMemoryCluster.sln not found above the binary)");
}

static void RunPython(string script, string output)
{
    using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", [script, output]) { RedirectStandardOutput = true })
        ?? throw new InvalidOperationException("could not start /usr/bin/python3");
    Console.Write(process.StandardOutput.ReadToEnd());
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException("make_inputs.py failed; are python3-pil, python3-numpy and python3-onnx installed?");
    }
}
