using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace VisualMemory.Server.Tests.Embedding;

/// <summary>What the image tests share: the tiny ONNX model and its spec, PNGs made by PIL, request bodies.</summary>
internal static class ImageTestKit
{
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VisualMemoryCluster.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>The ONNX Runtime tests' tiny embedder: [N, 3, 8, 8] → [N, 16].</summary>
    public static string TinyModel => Path.Combine(RepositoryRoot(), "tests", "VisualMemory.OnnxRuntime.Tests", "TestData", "tiny_embedder.onnx");

    /// <summary>Writes the tiny model's spec into <paramref name="directory"/> and returns its path.</summary>
    public static string TinySpec(string directory)
    {
        var spec = Path.Combine(directory, "tiny.json");
        File.WriteAllText(spec, """
            {"name":"tiny","dimension":16,"resizeShorterSide":8,"cropSize":8,"mean":[0.5,0.5,0.5],"std":[0.25,0.25,0.25],
             "channels":"rgb","inputName":"image","outputName":"embedding","normalizeOutput":true}
            """);
        return spec;
    }

    /// <summary>The tiny model saved again with another doc string: the same graph, another file (another SHA-256).</summary>
    public static string OtherTinyVersion(string directory)
    {
        var other = Path.Combine(directory, "tiny-v2.onnx");
        RunPython($"""
            import onnx
            model = onnx.load("{TinyModel}")
            model.doc_string = "another version"
            onnx.save(model, "{other}")
            """);
        return other;
    }

    /// <summary>A PNG made by PIL: a left/right split of two colours, so different seeds embed differently.</summary>
    public static byte[] Png(string directory, int seed, int width = 40, int height = 30)
    {
        var path = Path.Combine(directory, $"image-{seed}-{width}x{height}.png");
        RunPython($"""
            from PIL import Image
            import random
            random.seed({seed})
            image = Image.new("RGB", ({width}, {height}))
            a = tuple(random.randrange(256) for _ in range(3)); b = tuple(random.randrange(256) for _ in range(3))
            for x in range({width}):
                for y in range({height}):
                    image.putpixel((x, y), a if x < {width} // 2 + random.randrange(3) else b)
            image.save("{path}")
            """);
        return File.ReadAllBytes(path);
    }

    public static void RunPython(string code)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(code.Replace("\n            ", "\n", StringComparison.Ordinal));
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }

    public static ByteArrayContent Raw(byte[] image, string type = "image/png")
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    public static MultipartFormDataContent Form(byte[] image, params (string Name, string Value)[] fields) => Forms([image], fields);

    /// <summary>One multipart body with a part named 'image' per image, and the given repeated text fields.</summary>
    public static MultipartFormDataContent Forms(IEnumerable<byte[]> images, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var i = 0;
        foreach (var image in images)
        {
            form.Add(Raw(image), "image", $"image-{i++}.png");
        }
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        return form;
    }

    /// <summary>POST /v1/embed?model=tiny: the vector and the model's sha256.</summary>
    public static async Task<(float[] Vector, string Sha256)> EmbedAsync(HttpClient client, byte[] image)
    {
        var response = await client.PostAsync(new Uri("/v1/embed?model=tiny", UriKind.Relative), Raw(image));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        return ([.. answer["vector"]!.AsArray().Select(v => (float)v!)], (string)answer["sha256"]!);
    }
}
