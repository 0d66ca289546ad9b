using System.Diagnostics;
using Xunit.Abstractions;

namespace VisualMemory.Imaging.Tests;

/// <summary>
/// The numbers in docs/imaging.md. Runs only with VM_IMAGING_BENCH=1 (it takes ~20 s of both cores):
/// <c>VM_IMAGING_BENCH=1 dotnet test tests/VisualMemory.Imaging.Tests -c Release --filter ThroughputMeasurement --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class ThroughputMeasurement(TestImages images, ITestOutputHelper output) : IClassFixture<TestImages>
{
    [Fact]
    public void Decode_throughput_and_difference_from_pil()
    {
        if (Environment.GetEnvironmentVariable("VM_IMAGING_BENCH") != "1")
        {
            return;
        }
        var photo = images.Read("photo.jpg");
        var reference = images.Read("reference.png");
        var headerOnly = new ImageDecodeOptions { MaxPixels = 1 };
        var header = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(photo, headerOnly));
        }
        output.WriteLine($"refused from the header alone (MaxPixels): {header.Elapsed.TotalMilliseconds / 200:F2} ms per image");
        foreach (var (name, bytes) in new[] { ("1000x750 JPEG", photo), ("900x600 PNG", reference) })
        {
            ImageDecoder.Decode(bytes);
            foreach (var threads in new[] { 1, 2 })
            {
                var perThread = 200;
                var clock = Stopwatch.StartNew();
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
                {
                    for (var i = 0; i < perThread; i++)
                    {
                        ImageDecoder.Decode(bytes);
                    }
                });
                clock.Stop();
                output.WriteLine($"{name} -> 224x224 crop, {threads} thread(s): {threads * perThread / clock.Elapsed.TotalSeconds:F1} images/s ({clock.Elapsed.TotalMilliseconds / perThread:F2} ms per image per thread)");
            }
        }
        Report("crop 224", ImageDecoder.Decode(reference).Pixels.Span, images.Read("reference_crop224.rgb"));
        Report("stretch 160x90", ImageDecoder.Decode(reference, new ImageDecodeOptions { TargetWidth = 160, TargetHeight = 90, Mode = ResizeMode.Stretch }).Pixels.Span,
            images.Read("reference_stretch160x90.rgb"));
    }

    private void Report(string what, ReadOnlySpan<byte> actual, byte[] expected)
    {
        long sum = 0;
        var max = 0;
        var histogram = new int[4];
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs(actual[i] - expected[i]);
            sum += d;
            max = Math.Max(max, d);
            histogram[Math.Min(d, 3)]++;
        }
        var total = (double)actual.Length;
        output.WriteLine($"vs PIL Lanczos, {what}: mean |diff| {sum / total:F3}, max {max}, " +
            $"share 0/1/2/>=3 levels: {string.Join(" / ", histogram.Select(h => (100.0 * h / total).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + "%"))}");
    }
}
