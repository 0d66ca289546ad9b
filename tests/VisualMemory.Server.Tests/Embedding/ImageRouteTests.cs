using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VisualMemory.Server.Tests.Durability;
using VisualMemory.TestSupport;

namespace VisualMemory.Server.Tests.Embedding;

/// <summary>
/// Images through the API on a real ONNX model (the ONNX Runtime tests' tiny embedder: [N, 3, 8, 8] →
/// [N, 16]) and real libvips decoding: POST /v1/embed, a memory that names its model, items added from
/// images, search and classify with an image, and every refusal as problem details. Each server is its own
/// process: two in-process hosts that both run ONNX sessions one after the other crashed the test host
/// (SIGSEGV while the second started; not seen with one host per process, which is how nodes run).
/// </summary>
[Collection(ServerCrashGroup.Name)]
public sealed class ImageRouteTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-images-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<ServerProcess> StartAsync(string data, string modelPath, long maxImageBytes = 1 << 20) =>
        await ServerProcess.StartAsync(Path.Combine(_directory, data),
            [.. Settings(modelPath, maxImageBytes).Select(s => $"--{s.Key}={s.Value}"), "--Logging:LogLevel:Default=Warning"], TimeSpan.FromSeconds(60));

    private Dictionary<string, string> Settings(string modelPath, long maxImageBytes = 1 << 20)
    {
        var spec = ImageTestKit.TinySpec(_directory);
        return new()
        {
            ["Embedding:Models:tiny:Path"] = modelPath,
            ["Embedding:Models:tiny:Spec"] = spec,
            ["Embedding:MaxImageBytes"] = maxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Embedding:Batching:MaxWaitMicroseconds"] = "1000",
            ["Embedding:MaxImagesPerRequest"] = "8",
        };
    }

    private static string TinyModel => ImageTestKit.TinyModel;

    private static string RepositoryRoot() => ImageTestKit.RepositoryRoot();

    private byte[] Png(int seed, int width = 40, int height = 30) => ImageTestKit.Png(_directory, seed, width, height);

    private static void RunPython(string code) => ImageTestKit.RunPython(code);

    private static ByteArrayContent Raw(byte[] image, string type = "image/png") => ImageTestKit.Raw(image, type);

    private static MultipartFormDataContent Form(byte[] image, params (string Name, string Value)[] fields) => ImageTestKit.Form(image, fields);

    private static MultipartFormDataContent Forms(IEnumerable<byte[]> images, params (string Name, string Value)[] fields) => ImageTestKit.Forms(images, fields);

    private static async Task<float[]> EmbedAsync(HttpClient client, HttpContent content)
    {
        var response = await client.PostAsync(new Uri("/v1/embed?model=tiny", UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return [.. JsonNode.Parse(text)!["vector"]!.AsArray().Select(v => (float)v!)];
    }

    [Fact]
    public async Task An_image_embeds_the_same_raw_or_multipart_alone_or_batched_and_unit_length()
    {
        using var server = await StartAsync("data", TinyModel);
        var images = Enumerable.Range(0, 12).Select(i => Png(i)).ToList();
        var alone = new List<float[]>();
        foreach (var image in images)
        {
            alone.Add(await EmbedAsync(server.Client, Raw(image)));
        }
        Assert.Equal(16, alone[0].Length);
        Assert.Equal(1.0, Math.Sqrt(alone[0].Sum(v => (double)v * v)), 5);
        Assert.NotEqual(alone[0], alone[1]);
        Assert.Equal(alone[3], await EmbedAsync(server.Client, Form(images[3])));
        // Concurrent requests are batched by the model's batcher: each still gets its own row.
        var together = await Task.WhenAll(images.Select(image => EmbedAsync(server.Client, Raw(image))));
        for (var i = 0; i < images.Count; i++)
        {
            Assert.Equal(alone[i].Length, together[i].Length);
            Assert.All(alone[i].Zip(together[i]), p => Assert.Equal(p.First, p.Second, 5));
        }
        var models = JsonNode.Parse(await server.Client.GetStringAsync(new Uri("/v1/models", UriKind.Relative)))!;
        Assert.Equal("tiny", (string?)models["models"]![0]);
    }

    [Fact]
    public async Task Several_images_in_one_request_embed_and_add_in_order_and_one_bad_image_refuses_them_all()
    {
        using var server = await StartAsync("data", TinyModel);
        var client = server.Client;
        var images = Enumerable.Range(0, 6).Select(i => Png(300 + i)).ToList();
        var alone = new List<float[]>();
        foreach (var image in images)
        {
            alone.Add(await EmbedAsync(client, Raw(image)));
        }
        var batch = await client.PostAsync(new Uri("/v1/embed/batch?model=tiny", UriKind.Relative), Forms(images));
        var batchText = await batch.Content.ReadAsStringAsync();
        Assert.True(batch.StatusCode == HttpStatusCode.OK, batchText);
        var vectors = JsonNode.Parse(batchText)!["vectors"]!.AsArray();
        Assert.Equal(images.Count, vectors.Count);
        for (var i = 0; i < images.Count; i++)
        {
            Assert.All(alone[i].Zip(vectors[i]!.AsArray().Select(v => (float)v!)), p => Assert.Equal(p.First, p.Second, 5));
        }

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pics", model = "tiny" })).StatusCode);
        var refusals = new (HttpContent Content, HttpStatusCode Status, string Detail)[]
        {
            (Forms([images[0], images[1], images[2][..30]], ("id", "1"), ("id", "2"), ("id", "3"), ("label", "a"), ("label", "b"), ("label", "c")), HttpStatusCode.BadRequest, "image 2"),
            (Forms(images.Take(2), ("id", "1"), ("id", "2"), ("label", "a")), HttpStatusCode.UnprocessableEntity, "1 values for 2 images"),
            (Forms(images.Take(2), ("id", "1"), ("id", "x"), ("label", "a"), ("label", "b")), HttpStatusCode.UnprocessableEntity, "id[1]"),
            (Forms(Enumerable.Repeat(images[0], 9)), HttpStatusCode.RequestEntityTooLarge, "at most 8 images"),
        };
        foreach (var (content, status, detail) in refusals)
        {
            var response = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
            Assert.Contains(detail, text, StringComparison.Ordinal);
        }
        Assert.Equal(0, (long)JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/pics", UriKind.Relative)))!["count"]!);

        var fields = Enumerable.Range(0, images.Count).SelectMany(i => new[] { ("id", $"{10 + i}"), ("label", $"l{i}"), ("source", $"s{i}") }).ToArray();
        var added = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Forms(images, fields));
        Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        Assert.Equal(images.Count, (int)JsonNode.Parse(await added.Content.ReadAsStringAsync())!["added"]!);
        // Each image went in under its own id, label and source: its own embedding finds it first.
        for (var i = 0; i < images.Count; i++)
        {
            var found = JsonNode.Parse(await (await client.PostAsync(new Uri("/v1/memories/pics/search?k=1", UriKind.Relative), Raw(images[i]))).Content.ReadAsStringAsync())!;
            Assert.Equal(10 + i, (long)found["neighbors"]![0]!["id"]!);
            Assert.Equal($"l{i}", (string?)found["neighbors"]![0]!["label"]);
            var item = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/memories/pics/items/{10 + i}", UriKind.Relative)))!;
            Assert.Equal($"s{i}", (string?)item["source"]);
        }
    }

    [Fact]
    public async Task The_shipped_demo_model_embeds_a_greyscale_digit_sized_image()
    {
        var root = RepositoryRoot();
        using var server = await ServerProcess.StartAsync(Path.Combine(_directory, "demo"),
        [
            $"--Embedding:Models:demo:Path={Path.Combine(root, "models", "demo", "demo-model.onnx")}",
            $"--Embedding:Models:demo:Spec={Path.Combine(root, "models", "demo", "demo-model.spec.json")}",
            "--Logging:LogLevel:Default=Warning",
        ], TimeSpan.FromSeconds(60));
        var path = Path.Combine(_directory, "digit.png");
        RunPython($"""
            from PIL import Image, ImageDraw
            image = Image.new("L", (28, 28), 0)
            ImageDraw.Draw(image).rectangle((8, 4, 19, 23), fill=255)
            image.save("{path}")
            """);
        var response = await server.Client.PostAsync(new Uri("/v1/embed?model=demo", UriKind.Relative), Raw(File.ReadAllBytes(path)));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var result = JsonNode.Parse(text)!;
        var vector = result["vector"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(128, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => v * v)), 4);
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "models", "demo", "demo-model.json")))!;
        Assert.Equal((string?)recorded["sha256"], (string?)result["sha256"]);
    }

    [Fact]
    public async Task A_memory_that_names_its_model_takes_items_and_queries_as_images()
    {
        using var server = await StartAsync("data", TinyModel);
        var client = server.Client;
        var created = await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pics", model = "tiny", shards = 2 });
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdText);
        var memory = JsonNode.Parse(createdText)!;
        Assert.Equal(16, (int)memory["dimension"]!);
        Assert.Equal("tiny", (string?)memory["model"]!["name"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)memory["model"]!["sha256"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "bad", model = "tiny", dimension = 8 })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "bad", model = "nope" })).StatusCode);

        var images = Enumerable.Range(0, 8).Select(i => Png(100 + i)).ToList();
        for (var i = 0; i < images.Count; i++)
        {
            var added = await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Form(images[i], ("id", $"{i}"), ("label", i % 2 == 0 ? "even" : "odd")));
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        }
        // A stored image's own embedding is its nearest neighbour, whichever way the query comes.
        var search = JsonNode.Parse(await (await client.PostAsync(new Uri("/v1/memories/pics/search?k=3", UriKind.Relative), Raw(images[5]))).Content.ReadAsStringAsync())!;
        Assert.Equal(5, (long)search["neighbors"]![0]!["id"]!);
        Assert.Equal(3, search["neighbors"]!.AsArray().Count);
        var classified = await client.PostAsync(new Uri("/v1/memories/pics/classify", UriKind.Relative), Form(images[2], ("k", "1"), ("explain", "true")));
        var classification = JsonNode.Parse(await classified.Content.ReadAsStringAsync())!;
        Assert.Equal("even", (string?)classification["label"]);
        Assert.Equal(2, (long)classification["neighbors"]![0]!["id"]!);
        // The JSON path is unchanged: the embedding sent as a vector finds the same item.
        var vector = await EmbedAsync(client, Raw(images[5]));
        var byVector = JsonNode.Parse(await (await client.PostAsJsonAsync(new Uri("/v1/memories/pics/search", UriKind.Relative), new { vector, k = 1 })).Content.ReadAsStringAsync())!;
        Assert.Equal(5, (long)byVector["neighbors"]![0]!["id"]!);
    }

    [Fact]
    public async Task Bad_images_and_wrong_models_are_refused_with_problem_details_and_nothing_is_stored()
    {
        using (var server = await StartAsync("data", TinyModel, maxImageBytes: 4096))
        {
            var client = server.Client;
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "pics", model = "tiny" })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { name = "vectors", dimension = 16 })).StatusCode);
            var png = Png(7);
            var cases = new (string Path, HttpContent Content, HttpStatusCode Status)[]
            {
                ("/v1/embed?model=tiny", Raw([]), HttpStatusCode.BadRequest),
                ("/v1/embed?model=tiny", Raw("not an image at all"u8.ToArray()), HttpStatusCode.BadRequest),
                ("/v1/embed?model=tiny", Raw(png[..(png.Length / 2)]), HttpStatusCode.BadRequest),
                ("/v1/embed?model=tiny", Raw(new byte[8192]), HttpStatusCode.RequestEntityTooLarge),
                ("/v1/embed?model=tiny", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), HttpStatusCode.UnsupportedMediaType),
                ("/v1/embed?model=nope", Raw(png), HttpStatusCode.NotFound),
                ("/v1/memories/vectors/search", Raw(png), HttpStatusCode.UnsupportedMediaType),
                ("/v1/memories/pics/items", Form(png, ("id", "x"), ("label", "a")), HttpStatusCode.UnprocessableEntity),
                ("/v1/memories/pics/items", Form(png, ("label", "a")), HttpStatusCode.UnprocessableEntity),
                ("/v1/memories/pics/items", Form(png[..40], ("id", "1"), ("label", "a")), HttpStatusCode.BadRequest),
                ("/v1/memories/pics/classify", Form(png, ("k", "0")), HttpStatusCode.UnprocessableEntity),
            };
            foreach (var (path, content, status) in cases)
            {
                var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
                Assert.True(response.StatusCode == status, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
            var pics = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1/memories/pics", UriKind.Relative)))!;
            Assert.Equal(0, (long)pics["count"]!);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/memories/pics/items", UriKind.Relative), Form(png, ("id", "1"), ("label", "a")))).StatusCode);
        }

        // The same memory on a node whose "tiny" is another file: images are refused rather than embedded by another model.
        var other = ImageTestKit.OtherTinyVersion(_directory);
        using (var restarted = await StartAsync("data", other))
        {
            var refused = await restarted.Client.PostAsync(new Uri("/v1/memories/pics/classify", UriKind.Relative), Raw(Png(7)));
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Conflict, text);
            Assert.Contains("refusing to mix", text, StringComparison.Ordinal);
            Assert.Equal(1, (long)JsonNode.Parse(await restarted.Client.GetStringAsync(new Uri("/v1/memories/pics", UriKind.Relative)))!["count"]!);
        }
    }
}
