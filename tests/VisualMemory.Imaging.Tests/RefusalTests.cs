using System.Diagnostics;

namespace VisualMemory.Imaging.Tests;

public sealed class RefusalTests(TestImages images) : IClassFixture<TestImages>
{
    private static ImageDecodeException Refused(byte[] bytes, ImageDecodeOptions? options = null) =>
        Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(bytes, options ?? ImageDecodeOptions.Default));

    [Theory]
    [InlineData("empty.jpg", ImageDecodeErrorKind.Empty, 400)]
    [InlineData("text.txt", ImageDecodeErrorKind.NotAnImage, 400)]
    [InlineData("truncated.jpg", ImageDecodeErrorKind.Corrupt, 400)]
    [InlineData("corrupt.jpg", ImageDecodeErrorKind.Corrupt, 400)]
    [InlineData("corrupt.png", ImageDecodeErrorKind.Corrupt, 400)]
    [InlineData("marked.gif", ImageDecodeErrorKind.UnsupportedFormat, 415)]
    [InlineData("marked.tiff", ImageDecodeErrorKind.UnsupportedFormat, 415)]
    [InlineData("bomb.png", ImageDecodeErrorKind.TooManyPixels, 413)]
    public void Bad_input_is_refused_with_a_clear_4xx(string name, ImageDecodeErrorKind kind, int status)
    {
        var error = Refused(images.Read(name));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(status, ImageDecodeProblems.StatusCode(error.Kind));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Random_bytes_are_not_an_image()
    {
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);

        Assert.Equal(ImageDecodeErrorKind.NotAnImage, Refused(noise).Kind);
    }

    [Fact]
    public void Too_many_bytes_is_refused_before_reading()
    {
        var error = Refused(images.Read("photo.jpg"), ImageDecodeOptions.Default with { MaxBytes = 1000 });

        Assert.Equal(ImageDecodeErrorKind.TooManyBytes, error.Kind);
        Assert.Equal(413, ImageDecodeProblems.StatusCode(error.Kind));
        Assert.Contains("1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_pixels_is_measured_on_the_encoded_image()
    {
        var photo = images.Read("photo.jpg");   // 1000 x 750

        Assert.Equal(ImageDecodeErrorKind.TooManyPixels, Refused(photo, ImageDecodeOptions.Default with { MaxPixels = 749_999 }).Kind);
        Assert.Equal(224, ImageDecoder.Decode(photo, ImageDecodeOptions.Default with { MaxPixels = 750_000 }).Width);
    }

    [Fact]
    public void A_decompression_bomb_is_refused_quickly_without_allocating_its_pixels()
    {
        var bomb = images.Read("bomb.png");   // declares 30000 x 30000 RGB: 2.7 GB of pixels
        ImageDecoder.Decode(images.Read("marked.png"));   // libvips started, code jitted
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        var clock = Stopwatch.StartNew();

        var error = Refused(bomb);

        clock.Stop();
        process.Refresh();
        Assert.Equal(ImageDecodeErrorKind.TooManyPixels, error.Kind);
        Assert.Contains("30000x30000", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.True(process.WorkingSet64 - before < 64L << 20, $"working set grew by {(process.WorkingSet64 - before) >> 20} MiB");
    }

    [Fact]
    public void Invalid_options_are_argument_errors()
    {
        var photo = images.Read("photo.jpg");

        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(photo, new ImageDecodeOptions { TargetWidth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(photo, new ImageDecodeOptions { MaxPixels = 0 }));
    }

    [Fact]
    public void Every_kind_maps_to_a_4xx_and_a_title()
    {
        foreach (var kind in Enum.GetValues<ImageDecodeErrorKind>())
        {
            Assert.InRange(ImageDecodeProblems.StatusCode(kind), 400, 499);
            Assert.False(string.IsNullOrEmpty(ImageDecodeProblems.Title(kind)));
        }
    }
}
