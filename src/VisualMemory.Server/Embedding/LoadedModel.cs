using VisualMemory.Embedding.Batching;
using VisualMemory.Embedding.Models;
using VisualMemory.Engine;
using VisualMemory.OnnxRuntime;

namespace VisualMemory.Server.Embedding;

/// <summary>A model this node can run: its spec, the hash of its bytes, the ONNX session and the batcher in front of it.</summary>
internal sealed class LoadedModel(string name, string sha256, ModelSpec spec, OnnxModel onnx, EmbeddingBatcher batcher) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string Sha256 { get; } = sha256;

    public ModelSpec Spec { get; } = spec;

    public EmbeddingBatcher Batcher { get; } = batcher;

    /// <summary>What a memory records to name this model.</summary>
    public EmbeddingModelReference Reference => new(Name, Sha256);

    public async ValueTask DisposeAsync()
    {
        await Batcher.DisposeAsync().ConfigureAwait(false);
        onnx.Dispose();
    }
}
