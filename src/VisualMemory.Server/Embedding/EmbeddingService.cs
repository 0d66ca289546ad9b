using VisualMemory.Cluster.Protocol;
using VisualMemory.Engine;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// What the HTTP routes ask of embedding: a model's identity, and images to vectors, either by a named
/// model or by the model a memory was built with. Routes never touch sessions or batchers directly, so
/// where an image is embedded is decided here: on this node when it runs the model (always preferred),
/// otherwise on an embedding worker that does (<see cref="EmbeddingWorkers"/>).
/// </summary>
internal sealed class EmbeddingService(EmbeddingModels models, LocalEmbedding local, EmbeddingWorkers workers)
{
    /// <summary>The model named <paramref name="name"/>: its hash and output width, from this node or a worker.</summary>
    /// <exception cref="EmbeddingUnavailableException">Unknown here and to every worker (404), failed to load (503), or workers busy or failing.</exception>
    public async Task<ModelIdentity> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (IsLocal(name))
        {
            return ModelIdentity.Of(models.Get(name));
        }
        var answer = await workers.EmbedAsync(name, null, [], why => Unknown(name, why), "", cancellationToken).ConfigureAwait(false);
        return new(answer.Model, answer.Sha256, answer.Dimension);
    }

    /// <summary>Names of the models this node runs itself.</summary>
    public IReadOnlyCollection<string> LocalModels => models.Names;

    /// <summary>Each image embedded by the model named <paramref name="name"/>, in order.</summary>
    /// <exception cref="ImageBatchException">Image number <see cref="ImageBatchException.Index"/> is unusable.</exception>
    /// <exception cref="EmbeddingUnavailableException">Unknown model, or it failed to load; or a worker refused the images.</exception>
    public async Task<EmbeddedImages> EmbedAsync(string name, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        if (IsLocal(name))
        {
            var model = models.Get(name);
            return new(ModelIdentity.Of(model), await local.EmbedAsync(model, images, cancellationToken).ConfigureAwait(false));
        }
        var answer = await workers.EmbedAsync(name, null, images, why => Unknown(name, why), "", cancellationToken).ConfigureAwait(false);
        return new(new(answer.Model, answer.Sha256, answer.Dimension), Rows(answer, images.Count));
    }

    /// <summary>
    /// Each image embedded by the model <paramref name="memory"/> was built with, refusing a model whose file
    /// differs (409), here or on a worker, so a memory never mixes two models' vectors.
    /// </summary>
    /// <exception cref="ImageBatchException">Image number <see cref="ImageBatchException.Index"/> is unusable.</exception>
    /// <exception cref="EmbeddingUnavailableException">The memory takes vectors only (415), or the model is missing or differs (409); or a worker refused the images.</exception>
    public async Task<float[][]> EmbedForAsync(MemoryDefinition memory, IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (memory.Model is not { } reference || IsLocal(reference.Name))
        {
            return await local.EmbedAsync(models.For(memory), images, cancellationToken).ConfigureAwait(false);
        }
        var answer = await workers.EmbedAsync(reference.Name, reference.Sha256, images, why => new(StatusCodes.Status409Conflict, "Model mismatch.",
            $"memory '{memory.Name}' was built with model '{reference.Name}' (sha256 {reference.Sha256}), which this node does not have, and {why}"),
            $"memory '{memory.Name}' was built with model '{reference.Name}' sha256 {reference.Sha256}; ", cancellationToken).ConfigureAwait(false);
        if (answer.Dimension != memory.Dimension)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status409Conflict, "Model mismatch.",
                $"model '{reference.Name}' outputs {answer.Dimension} dimensions; memory '{memory.Name}' holds {memory.Dimension}");
        }
        return Rows(answer, images.Count);
    }

    // A model that is configured here stays here, even when it failed to load: its answer is this node's own.
    private bool IsLocal(string name) => models.Names.Contains(name);

    private EmbeddingUnavailableException Unknown(string name, string why)
    {
        var unknown = models.Unknown(name);
        return new(unknown.Status, unknown.Title, $"{unknown.Message}, and {why}");
    }

    private static float[][] Rows(EmbedResponse answer, int count)
    {
        var d = answer.Dimension;
        var rows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new float[d];
            for (var j = 0; j < d; j++)
            {
                rows[i][j] = answer.Vectors[i * d + j];
            }
        }
        return rows;
    }
}
