using VisualMemory.Embedding.Models;

namespace VisualMemory.Embedding.Preprocessing;

/// <summary>
/// Turns a decoded, resized image into a model's input: the centred square crop of
/// <see cref="ModelSpec.CropSize"/>, scaled to [0, 1] and normalised per channel, planar (CHW) in the
/// model's channel order. Pure arithmetic in float32, in the same order as torchvision's
/// ToTensor + Normalize, so a NumPy reference gives the same numbers.
/// </summary>
public static class ImageTensor
{
    /// <summary>Writes one image's tensor into <paramref name="destination"/> (length <see cref="ModelSpec.InputLength"/>).</summary>
    /// <param name="rgb">Interleaved 8-bit RGB, row-major, <paramref name="width"/> × <paramref name="height"/>.</param>
    /// <param name="width">Image width; at least the crop size.</param>
    /// <param name="height">Image height; at least the crop size.</param>
    /// <param name="spec">The model's preprocessing.</param>
    /// <param name="destination">Where the tensor goes.</param>
    /// <exception cref="ArgumentException">The image is smaller than the crop or the buffers have the wrong length.</exception>
    public static void Write(ReadOnlySpan<byte> rgb, int width, int height, ModelSpec spec, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var crop = spec.CropSize;
        if (width < crop || height < crop)
        {
            throw new ArgumentException($"a {width}×{height} image is smaller than the {crop}×{crop} crop");
        }
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"{rgb.Length} bytes is not {width}×{height} RGB", nameof(rgb));
        }
        if (destination.Length != spec.InputLength)
        {
            throw new ArgumentException($"the destination holds {destination.Length} floats, not {spec.InputLength}", nameof(destination));
        }
        // torchvision's CenterCrop rounds the offset to the nearest pixel; (size - crop) / 2 with
        // round-half-to-even is what int(round(...)) gives in Python.
        var left = (int)Math.Round((width - crop) / 2.0, MidpointRounding.ToEven);
        var top = (int)Math.Round((height - crop) / 2.0, MidpointRounding.ToEven);
        var plane = crop * crop;
        for (var c = 0; c < 3; c++)
        {
            var source = spec.Channels == ChannelOrder.Rgb ? c : 2 - c;
            var mean = spec.Mean[c];
            var std = spec.Std[c];
            var output = destination.Slice(c * plane, plane);
            for (var y = 0; y < crop; y++)
            {
                var row = rgb.Slice(((top + y) * width + left) * 3, crop * 3);
                for (var x = 0; x < crop; x++)
                {
                    output[y * crop + x] = (row[x * 3 + source] / 255f - mean) / std;
                }
            }
        }
    }
}
