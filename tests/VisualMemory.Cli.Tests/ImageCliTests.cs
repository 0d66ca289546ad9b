using System.Globalization;
using System.Text.Json.Nodes;
using VisualMemory.Datasets;
using VisualMemory.TestSupport;

namespace VisualMemory.Cli.Tests;

/// <summary>
/// A server process running the shipped demo ONNX model, and 300 + 300 Fashion-MNIST images prepared by
/// <c>vm prepare --images</c>, shared by the image CLI tests. The server is its own process, not the
/// in-process host of <see cref="CliHarness"/>: two in-process hosts running ONNX sessions in one test
/// process crashed the test host (SIGSEGV, see VisualMemory.Server.Tests' ImageRouteTests).
/// </summary>
public sealed class DemoServerFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("vm-cli-images-").FullName;

    public ServerProcess Server { get; private set; } = null!;

    public string TrainListing => Path.Combine(Directory, "fmnist", "train-images.jsonl");

    public string TestListing => Path.Combine(Directory, "fmnist", "test-images.jsonl");

    public async Task InitializeAsync()
    {
        var prepared = await CliApp.Run(["prepare", "fashion-mnist", "--out", Path.Combine(Directory, "fmnist"), "--images", "--limit", "300"],
            TextWriter.Null, TextWriter.Null, _ => throw new InvalidOperationException());
        Assert.Equal(0, prepared);
        var demo = IdxDataset.RepositoryPath("models", "demo");
        Server = await ServerProcess.StartAsync(Path.Combine(Directory, "data"),
            [$"--Embedding:Models:demo:Path={Path.Combine(demo, "demo-model.onnx")}", $"--Embedding:Models:demo:Spec={Path.Combine(demo, "demo-model.spec.json")}",
             "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        Server?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class ImageCliTests(DemoServerFixture fixture) : IClassFixture<DemoServerFixture>
{
    private async Task<(int Exit, string Output, string Error)> Vm(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var url = $"http://127.0.0.1:{fixture.Server.Port.ToString(CultureInfo.InvariantCulture)}";
        var exit = await CliApp.Run([.. args, "--server", url], output, error, c => new HttpClient { BaseAddress = c.Server, Timeout = TimeSpan.FromSeconds(60) });
        return (exit, output.ToString(), error.ToString());
    }

    private string Scratch(string name) => Path.Combine(fixture.Directory, name);

    /// <summary>The first <paramref name="count"/> lines of the training listing, as a listing of their own beside it.</summary>
    private string SubListing(string name, int count)
    {
        var path = Path.Combine(Path.GetDirectoryName(fixture.TrainListing)!, name + ".jsonl");
        File.WriteAllLines(path, File.ReadLines(fixture.TrainListing).Take(count));
        return path;
    }

    [Fact]
    public async Task Ingest_images_then_eval_images_through_the_demo_model()
    {
        var ingest = await Vm("ingest", "--memory", "fm", "--create", "--model", "demo", "--images", fixture.TrainListing, "--batch", "32", "--parallel", "2", "--seal");
        Assert.True(ingest.Exit == 0, ingest.Error);
        Assert.Contains("created memory fm (model demo, index Flat)", ingest.Output);
        Assert.Contains("ingested 300 images into fm", ingest.Output);
        Assert.Contains("sealed 300 rows", ingest.Output);

        var eval = await Vm("eval", "--memory", "fm", "--images", fixture.TestListing, "--k", "1,10", "--limit", "200", "--embed-batch", "50");
        Assert.True(eval.Exit == 0, eval.Error);
        Assert.Contains("embedded 200 query images with demo", eval.Output);
        Assert.Contains("top-1 accuracy (%) on 200 queries", eval.Output);
        // 300 training images as memory: far from the full set's ~82 %, far above chance (10 %).
        var rank = eval.Output.Split('\n').Single(l => l.StartsWith("rank", StringComparison.Ordinal));
        var accuracies = rank.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.All(accuracies, a => Assert.InRange(a, 50, 100));
    }

    [Fact]
    public async Task Classify_image_answers_as_classify_with_its_embedding()
    {
        var listing = SubListing("first-40", 40);
        Assert.Equal(0, (await Vm("ingest", "--memory", "small", "--create", "--model", "demo", "--images", listing)).Exit);
        var image = Path.Combine(Path.GetDirectoryName(fixture.TestListing)!, "test-images", "00007.png");

        var embed = await Vm("embed", "--image", image, "--model", "demo");
        Assert.True(embed.Exit == 0, embed.Error);
        var answer = JsonNode.Parse(embed.Output)!;
        Assert.Equal(128, (int)answer["dimension"]!);
        var vector = answer["vector"]!.AsArray().Select(v => (float)v!).ToArray();
        var vectors = Scratch("query.npy");
        NpyFile.Write(vectors, new VectorSet(1, vector.Length, vector));

        var byImage = await Vm("classify", "--memory", "small", "--image", image, "--k", "5", "--explain", "--aggregation", "softmax");
        var byVector = await Vm("classify", "--memory", "small", "--vectors", vectors, "--row", "0", "--k", "5", "--explain", "--aggregation", "softmax");
        Assert.True(byImage.Exit == 0, byImage.Error);
        Assert.Equal(byVector.Output, byImage.Output);
        Assert.Equal(6, byImage.Output.Trim().Split('\n').Length);

        var summary = await Vm("embed", "--image", image, "--summary");
        Assert.Contains("model demo (sha256 ", summary.Output);
        Assert.Contains("dimension 128  norm 1.0000", summary.Output);
    }

    [Fact]
    public async Task Bad_input_gets_an_exit_code_and_a_clear_message()
    {
        var noImage = await Vm("embed");
        Assert.Equal(2, noImage.Exit);
        Assert.Contains("--image is required", noImage.Error);

        var missingFile = await Vm("embed", "--image", Scratch("nope.png"));
        Assert.Equal(3, missingFile.Exit);
        Assert.Contains("nope.png: not found", missingFile.Error);

        var badListing = Scratch("bad.jsonl");
        File.WriteAllLines(badListing, ["""{"id":1,"uri":"a.png","label":"x"}""", """{"id":2,"label":"x"}"""]);
        var bad = await Vm("ingest", "--memory", "m", "--images", badListing);
        Assert.Equal(3, bad.Exit);
        Assert.Contains("bad.jsonl:2: uri is missing", bad.Error);

        var missingImage = Scratch("missing.jsonl");
        File.WriteAllLines(missingImage, ["""{"id":7,"uri":"gone/7.png","label":"x"}"""]);
        var gone = await Vm("ingest", "--memory", "m", "--create", "--model", "demo", "--images", missingImage);
        Assert.Equal(3, gone.Exit);
        Assert.Contains("id 7:", gone.Error);
        Assert.Contains("7.png: not found", gone.Error);

        var notImage = Scratch("text.png");
        File.WriteAllText(notImage, "not an image at all");
        var refused = await Vm("embed", "--image", notImage, "--model", "demo");
        Assert.Equal(4, refused.Exit);
        Assert.Contains("server refused the request: 4", refused.Error);
        Assert.Equal(4, (await Vm("embed", "--image", notImage, "--model", "no-such-model")).Exit);

        // A memory of vectors has no model: images cannot be compared with its vectors.
        var vectors = Scratch("v.npy");
        NpyFile.Write(vectors, new VectorSet(2, 4, [1, 0, 0, 0, 0, 1, 0, 0]));
        var labels = Scratch("v.txt");
        LabelFile.Write(labels, ["a", "b"]);
        Assert.Equal(0, (await Vm("ingest", "--memory", "plain", "--create", "--vectors", vectors, "--labels", labels)).Exit);
        var noModel = await Vm("eval", "--memory", "plain", "--images", fixture.TestListing, "--limit", "5");
        Assert.Equal(2, noModel.Exit);
        Assert.Contains("has no embedding model", noModel.Error);
        var unknown = await Vm("eval", "--memory", "nope", "--images", fixture.TestListing, "--limit", "5");
        Assert.Equal(4, unknown.Exit);
        Assert.Contains("not found", unknown.Error);
    }
}
