namespace VisualMemory.Server.Embedding;

/// <summary>
/// Images cannot be embedded for this request: the model is missing, differs from the memory's, failed to
/// load, or an embedding worker refused them (a bad image, a full queue) and its answer is passed on.
/// </summary>
internal sealed class EmbeddingUnavailableException(int status, string title, string detail, TimeSpan? retryAfter = null) : Exception(detail)
{
    /// <summary>The HTTP status to answer with.</summary>
    public int Status { get; } = status;

    /// <summary>The problem's title.</summary>
    public string Title { get; } = title;

    /// <summary>For 429: how long the client should wait before retrying.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
