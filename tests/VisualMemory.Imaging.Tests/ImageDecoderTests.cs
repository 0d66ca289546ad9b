namespace VisualMemory.Imaging.Tests;

public sealed class ImageDecoderTests(TestImages images) : IClassFixture<TestImages>
{
    private static readonly ImageDecodeOptions Native64x48 = new() { TargetWidth = 64, TargetHeight = 48, Mode = ResizeMode.Stretch };

    private static void AssertColour((byte R, byte G, byte B) actual, (int R, int G, int B) expected, int tolerance)
    {
        Assert.True(Math.Abs(actual.R - expected.R) <= tolerance && Math.Abs(actual.G - expected.G) <= tolerance && Math.Abs(actual.B - expected.B) <= tolerance,
            $"expected ~{expected}, got {actual}");
    }

    [Theory]
    [InlineData("marked.png", 0)]
    [InlineData("marked.webp", 0)]
    [InlineData("marked.jpg", 12)]
    [InlineData("rgb16.png", 0)]
    public void Decodes_colour_images_in_every_accepted_format(string name, int tolerance)
    {
        var image = ImageDecoder.Decode(images.Read(name), Native64x48);

        Assert.Equal((64, 48, 64, 48), (image.Width, image.Height, image.OriginalWidth, image.OriginalHeight));
        Assert.Equal(64 * 48 * 3, image.Pixels.Length);
        AssertColour(image.GetPixel(2, 2), (255, 0, 0), tolerance);
        AssertColour(image.GetPixel(61, 45), (0, 0, 255), tolerance);
        AssertColour(image.GetPixel(32, 24), (128, 128, 128), tolerance);
    }

    [Theory]
    [InlineData("grey.png")]
    [InlineData("grey16.png")]
    public void Greyscale_becomes_three_equal_channels(string name)
    {
        var image = ImageDecoder.Decode(images.Read(name), Native64x48);

        for (var x = 0; x < 64; x += 9)
        {
            var (r, g, b) = image.GetPixel(x, 10);
            Assert.Equal(r, g);
            Assert.Equal(g, b);
            Assert.InRange(r, Math.Round(x * 255 / 63.0) - 1, Math.Round(x * 255 / 63.0) + 1);
        }
    }

    [Fact]
    public void No_libvips_module_is_loaded_so_no_second_sqlite_enters_the_process()
    {
        // The openslide module brings the system libsqlite3, whose global symbols broke the control plane's own SQLite.
        ImageDecoder.Decode(images.Read("marked.png"), Native64x48);

        var maps = File.ReadAllText("/proc/self/maps");
        Assert.DoesNotContain("vips-modules", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libsqlite3.so", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libopenslide", maps, StringComparison.Ordinal);
    }

    [Fact]
    public void Cmyk_jpeg_becomes_srgb()
    {
        var image = ImageDecoder.Decode(images.Read("cmyk.jpg"), Native64x48);

        var (r, g, b) = image.GetPixel(8, 24);   // CMYK pure red
        Assert.True(r > 180 && g < 90 && b < 90, $"left half should be red, got {(r, g, b)}");
        (r, g, b) = image.GetPixel(56, 24);      // CMYK pure cyan
        Assert.True(r < 90 && g > 120 && b > 180, $"right half should be cyan, got {(r, g, b)}");
    }

    [Fact]
    public void Transparent_pixels_are_flattened_on_white()
    {
        var image = ImageDecoder.Decode(images.Read("rgba.png"), Native64x48);

        AssertColour(image.GetPixel(8, 24), (255, 255, 255), 0);
        AssertColour(image.GetPixel(56, 24), (0, 0, 255), 0);
    }

    [Fact]
    public void Exif_orientation_6_is_applied()
    {
        // Stored 200x100 with red top-left and blue bottom-right; displayed rotated 90 degrees clockwise.
        var bytes = images.Read("exif6.jpg");
        var rotated = ImageDecoder.Decode(bytes, new ImageDecodeOptions { TargetWidth = 100, TargetHeight = 200, Mode = ResizeMode.Stretch });

        Assert.Equal((100, 200, 200, 100), (rotated.Width, rotated.Height, rotated.OriginalWidth, rotated.OriginalHeight));
        AssertColour(rotated.GetPixel(95, 5), (255, 0, 0), 20);     // red: top-right
        AssertColour(rotated.GetPixel(4, 195), (0, 0, 255), 20);    // blue: bottom-left
        AssertColour(rotated.GetPixel(4, 5), (128, 128, 128), 20);

        var stored = ImageDecoder.Decode(bytes, new ImageDecodeOptions { TargetWidth = 200, TargetHeight = 100, Mode = ResizeMode.Stretch, AutoRotate = false });
        AssertColour(stored.GetPixel(5, 5), (255, 0, 0), 20);
    }

    [Fact]
    public void Shorter_side_then_centre_crop_matches_pil_lanczos()
    {
        var image = ImageDecoder.Decode(images.Read("reference.png"), ImageDecodeOptions.Default);
        var expected = images.Read("reference_crop224.rgb");

        Assert.Equal((224, 224, 900, 600), (image.Width, image.Height, image.OriginalWidth, image.OriginalHeight));
        var (mean, max) = Difference(image.Pixels.Span, expected);
        Assert.True(mean <= 0.5 && max <= 4, $"mean absolute difference {mean:F3}, max {max} levels");
    }

    [Fact]
    public void Stretch_matches_pil_lanczos()
    {
        var image = ImageDecoder.Decode(images.Read("reference.png"), new ImageDecodeOptions { TargetWidth = 160, TargetHeight = 90, Mode = ResizeMode.Stretch });
        var expected = images.Read("reference_stretch160x90.rgb");

        var (mean, max) = Difference(image.Pixels.Span, expected);
        Assert.True(mean <= 0.5 && max <= 4, $"mean absolute difference {mean:F3}, max {max} levels");
    }

    [Fact]
    public void Eight_threads_decoding_at_once_agree()
    {
        var bytes = images.Read("photo.jpg");
        var expected = ImageDecoder.Decode(bytes).Pixels.ToArray();
        var results = new byte[8][];

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (var round = 0; round < 5; round++)
            {
                results[i] = ImageDecoder.Decode(bytes).Pixels.ToArray();
                Assert.Equal(expected, results[i]);
            }
        });
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Concurrent_failures_and_successes_do_not_disturb_each_other()
    {
        var good = images.Read("photo.jpg");
        var truncated = images.Read("truncated.jpg");
        var expected = ImageDecoder.Decode(good).Pixels.ToArray();

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (i % 2 == 0)
            {
                Assert.Equal(expected, ImageDecoder.Decode(good).Pixels.ToArray());
            }
            else
            {
                Assert.Equal(ImageDecodeErrorKind.Corrupt, Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(truncated)).Kind);
            }
        });
    }

    private static (double Mean, int Max) Difference(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        long sum = 0;
        var max = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs(actual[i] - expected[i]);
            sum += d;
            max = Math.Max(max, d);
        }
        return ((double)sum / actual.Length, max);
    }
}
