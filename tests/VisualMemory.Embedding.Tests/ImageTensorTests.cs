using System.Diagnostics;
using System.Text.Json;
using VisualMemory.Datasets;
using VisualMemory.Embedding.Models;
using VisualMemory.Embedding.Preprocessing;

namespace VisualMemory.Embedding.Tests;

/// <summary>The image-to-tensor step against a NumPy reference of torchvision's crop, scale and normalise.</summary>
public sealed class ImageTensorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-tensor-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("dinov2-vits14", 300, 256)]
    [InlineData("clip-vitb16", 224, 301)]
    [InlineData("bgr", 41, 40)]
    public void The_tensor_equals_numpys_for_a_fixed_image(string preset, int width, int height)
    {
        var spec = preset == "bgr"
            ? new ModelSpec("bgr", 8, 32, 31, [0.1f, 0.2f, 0.3f], [0.5f, 0.25f, 2f], ChannelOrder.Bgr, "pixels", "embedding")
            : ModelPresets.All[preset];
        var random = new Random(width * 31 + height);
        var rgb = new byte[width * height * 3];
        random.NextBytes(rgb);
        var imagePath = Path.Combine(_directory, "image.npy");
        var expectedPath = Path.Combine(_directory, "expected.npy");
        WriteUInt8Npy(imagePath, rgb, height, width);
        var options = JsonSerializer.Serialize(new { crop = spec.CropSize, mean = spec.Mean, std = spec.Std, bgr = spec.Channels == ChannelOrder.Bgr });
        RunPython(Path.Combine(AppContext.BaseDirectory, "reference", "image_tensor.py"), imagePath, options, expectedPath);

        var actual = new float[spec.InputLength];
        ImageTensor.Write(rgb, width, height, spec, actual);

        var expected = NpyFile.Read(expectedPath);
        Assert.Equal(actual.Length, expected.Data.Length);
        var worst = actual.Zip(expected.Data).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 1e-6f, $"largest difference {worst}");
    }

    [Fact]
    public void Too_small_images_and_wrong_buffers_are_refused()
    {
        var spec = ModelPresets.ClipBase16;
        Assert.Throws<ArgumentException>(() => ImageTensor.Write(new byte[100 * 300 * 3], 100, 300, spec, new float[spec.InputLength]));
        Assert.Throws<ArgumentException>(() => ImageTensor.Write(new byte[10], 224, 224, spec, new float[spec.InputLength]));
        Assert.Throws<ArgumentException>(() => ImageTensor.Write(new byte[224 * 224 * 3], 224, 224, spec, new float[5]));
    }

    [Fact]
    public void Presets_are_valid_and_bad_specs_name_their_fields()
    {
        Assert.All(ModelPresets.All.Values, p => Assert.Empty(p.Problems()));
        Assert.Equal([384, 768, 1024, 512, 768], ModelPresets.All.Values.Select(p => p.Dimension));
        var bad = new ModelSpec("", 0, 100, 224, [0f, 0f], [1f, 0f, 1f], ChannelOrder.Rgb, "", "out");
        Assert.Equal(["name", "dimension", "resizeShorterSide", "mean", "std", "inputName"], bad.Problems().Select(p => p.Field));
    }

    private static void WriteUInt8Npy(string path, byte[] data, int height, int width)
    {
        var header = $"{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}, 3), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (total % 64)) % 64)) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(System.Text.Encoding.ASCII.GetBytes(header));
        file.Write(data);
    }

    private static void RunPython(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"python3 failed: {error}");
    }
}
