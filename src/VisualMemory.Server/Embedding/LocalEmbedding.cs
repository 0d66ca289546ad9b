using VisualMemory.Core.Diagnostics;
using VisualMemory.Imaging;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// Images to vectors with a model loaded on this node: what <see cref="EmbeddingService"/> does for a local
/// model and what an embedding worker does for its callers.
/// </summary>
internal sealed class LocalEmbedding(ImageEmbedder embedder)
{
    /// <summary>Each image embedded by <paramref name="model"/>, in order.</summary>
    /// <exception cref="ImageBatchException">Image number <see cref="ImageBatchException.Index"/> of several is unusable.</exception>
    /// <exception cref="ImageDecodeException">The only image is unusable.</exception>
    /// <exception cref="VisualMemory.Embedding.Batching.EmbeddingQueueFullException">The model's queue is full (429).</exception>
    public async Task<float[][]> EmbedAsync(LoadedModel model, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(model);
        using var activity = Tracing.Source.StartActivity("embed");
        activity?.SetTag("vm.model", model.Name);
        activity?.SetTag("vm.images", images.Count);
        // All images go to the batcher at once, so one request's images share model runs with each other and with other requests.
        if (images.Count == 1)
        {
            return [await EmbedOneAsync(model, images, 0, cancellationToken).ConfigureAwait(false)];
        }
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task<float[]>[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    return await EmbedOneAsync(model, images, index, failed.Token).ConfigureAwait(false);
                }
                catch
                {
                    // One bad image fails the request: the others need not queue for a result nobody reads.
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, CancellationToken.None);
        }
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Report the failure that cancelled the rest, not a cancellation.
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            throw;
        }
    }

    private async Task<float[]> EmbedOneAsync(LoadedModel model, IReadOnlyList<ReadOnlyMemory<byte>> images, int index, CancellationToken cancellationToken)
    {
        try
        {
            return await embedder.EmbedAsync(model, images[index], cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDecodeException e) when (images.Count > 1)
        {
            throw new ImageBatchException(index, e);
        }
    }
}
