namespace VisualMemory.Server.Embedding;

/// <summary>An image cannot be embedded for this request: the model is missing, differs from the memory's, or failed to load.</summary>
internal sealed class EmbeddingUnavailableException(int status, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status to answer with.</summary>
    public int Status { get; } = status;

    /// <summary>The problem's title.</summary>
    public string Title { get; } = title;
}
