namespace VisualMemory.Embedding.Batching;

/// <summary>The embedding queue is full: the caller should retry after <see cref="RetryAfter"/> (HTTP 429).</summary>
public sealed class EmbeddingQueueFullException : Exception
{
    /// <summary>Creates the exception with the suggested wait.</summary>
    public EmbeddingQueueFullException(TimeSpan retryAfter)
        : base($"the embedding queue is full; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s") => RetryAfter = retryAfter;

    /// <summary>Creates the exception.</summary>
    public EmbeddingQueueFullException() : this(TimeSpan.FromSeconds(1)) { }

    /// <summary>Creates the exception with a message.</summary>
    public EmbeddingQueueFullException(string message) : base(message) => RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public EmbeddingQueueFullException(string message, Exception innerException) : base(message, innerException) => RetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>How long the queue needs to drain, estimated from recent throughput (at least one second).</summary>
    public TimeSpan RetryAfter { get; }
}
