using VisualMemory.Core.Diagnostics;
using Microsoft.Extensions.Options;
using VisualMemory.Embedding.Preprocessing;
using VisualMemory.Imaging;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// One image to one embedding: decode and resize with libvips (limits checked on the header first), crop
/// and normalise per the model's spec, then the model's batcher (so concurrent requests share runs).
/// </summary>
internal sealed class ImageEmbedder(IOptions<EmbeddingSettings> options)
{
    /// <summary>The embedding of <paramref name="image"/> by <paramref name="model"/>.</summary>
    /// <exception cref="ImageDecodeException">Not a usable image (empty, corrupt, too large, unsupported).</exception>
    /// <exception cref="VisualMemory.Embedding.Batching.EmbeddingQueueFullException">The model's queue is full (429).</exception>
    public async Task<float[]> EmbedAsync(LoadedModel model, ReadOnlyMemory<byte> image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Spec;
        // Resize the shorter side and crop to a square of that side; the tensor step takes the spec's crop from its centre.
        var tensor = new float[spec.InputLength];
        using (var decode = Tracing.Source.StartActivity("embed decode"))
        {
            var decodeStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var decoded = ImageDecoder.Decode(image.Span, new ImageDecodeOptions
            {
                TargetWidth = spec.ResizeShorterSide,
                TargetHeight = spec.ResizeShorterSide,
                Mode = ResizeMode.ShorterSideThenCenterCrop,
                MaxBytes = options.Value.MaxImageBytes,
                MaxPixels = options.Value.MaxImagePixels,
            });
            decode?.SetTag("vm.image.bytes", image.Length);
            ImageTensor.Write(decoded.Pixels.Span, decoded.Width, decoded.Height, spec, tensor);
            StageTiming.Record("decode", decodeStart);
        }
        // The batcher runs the model for many requests at once: this span covers this image's wait in the
        // queue plus the shared run, which is what a caller's latency is made of.
        using var run = Tracing.Source.StartActivity("embed model-run");
        run?.SetTag("vm.model", model.Name);
        return await model.Batcher.EmbedAsync(tensor, cancellationToken).ConfigureAwait(false);
    }
}
