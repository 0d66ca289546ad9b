using VisualMemory.Engine;
using VisualMemory.Imaging;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// What the HTTP routes ask of embedding: a model's identity, and images to vectors, either by a named
/// model or by the model a memory was built with. Routes never touch sessions or batchers directly, so
/// where an image is embedded (this node or an embedding worker) is decided in one place.
/// </summary>
internal sealed class EmbeddingService(EmbeddingModels models, ImageEmbedder embedder)
{
    /// <summary>The model configured under <paramref name="name"/>: its hash and output width.</summary>
    /// <exception cref="EmbeddingUnavailableException">Unknown (404) or failed to load (503).</exception>
    public Task<ModelIdentity> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ModelIdentity.Of(models.Get(name)));
    }

    /// <summary>Names of the models this node runs itself.</summary>
    public IReadOnlyCollection<string> LocalModels => models.Names;

    /// <summary>Each image embedded by the model named <paramref name="name"/>, in order.</summary>
    /// <exception cref="ImageBatchException">Image number <see cref="ImageBatchException.Index"/> is unusable.</exception>
    /// <exception cref="EmbeddingUnavailableException">Unknown model, or it failed to load.</exception>
    public async Task<EmbeddedImages> EmbedAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        var model = models.Get(name);
        return new(ModelIdentity.Of(model), await EmbedAllAsync(model, images, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Each image embedded by the model <paramref name="memory"/> was built with, refusing a node whose
    /// model differs (409), so a memory never mixes two models' vectors.
    /// </summary>
    /// <exception cref="ImageBatchException">Image number <see cref="ImageBatchException.Index"/> is unusable.</exception>
    /// <exception cref="EmbeddingUnavailableException">The memory takes vectors only (415), or the model is missing or differs (409).</exception>
    public Task<float[][]> EmbedForAsync(MemoryDefinition memory, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken) =>
        EmbedAllAsync(models.For(memory), images, cancellationToken);

    // All images go to the batcher at once, so one request's images share model runs with each other and with other requests.
    private async Task<float[][]> EmbedAllAsync(LoadedModel model, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
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

/// <summary>A model as memories and callers know it: name, SHA-256 of its ONNX file, output width.</summary>
internal sealed record ModelIdentity(string Name, string Sha256, int Dimension)
{
    /// <summary>What a memory records to name this model.</summary>
    public EmbeddingModelReference Reference => new(Name, Sha256);

    /// <summary>The identity of a model loaded on this node.</summary>
    public static ModelIdentity Of(LoadedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.Name, model.Sha256, model.Spec.Dimension);
    }
}

/// <summary>Images embedded together: the model that did it and one vector per image, in order.</summary>
internal sealed record EmbeddedImages(ModelIdentity Model, float[][] Vectors);

/// <summary>One image of several could not be decoded; the request names which.</summary>
internal sealed class ImageBatchException(int index, ImageDecodeException inner) : Exception($"image {index}: {inner.Message}", inner)
{
    /// <summary>Zero-based position of the image in the request.</summary>
    public int Index { get; } = index;

    /// <summary>Why the decoder refused it.</summary>
    public ImageDecodeException Decode { get; } = inner;
}
