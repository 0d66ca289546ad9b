using VisualMemory.Engine;

namespace VisualMemory.Server.Embedding;

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
