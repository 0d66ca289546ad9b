using System.Net;

namespace VisualMemory.Cluster.Transport;

/// <summary>
/// An embedding worker refused a call (as opposed to being unreachable): its status, problem title and
/// detail, so the caller can answer its own client as the worker would have.
/// </summary>
public sealed class EmbeddingCallException : Exception
{
    /// <summary>Creates the exception for a refusal.</summary>
    public EmbeddingCallException(HttpStatusCode status, string title, string detail, TimeSpan? retryAfter) : base(detail)
    {
        Status = status;
        Title = title;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates the exception.</summary>
    public EmbeddingCallException() : this(HttpStatusCode.InternalServerError, "Embedding refused.", "embedding call refused", null) { }

    /// <summary>Creates the exception with a message.</summary>
    public EmbeddingCallException(string message) : this(HttpStatusCode.InternalServerError, "Embedding refused.", message, null) { }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public EmbeddingCallException(string message, Exception innerException) : base(message, innerException)
    {
        Status = HttpStatusCode.InternalServerError;
        Title = "Embedding refused.";
    }

    /// <summary>The status the worker answered.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The worker's problem title.</summary>
    public string Title { get; }

    /// <summary>How long the worker asked callers to wait (429), when it said.</summary>
    public TimeSpan? RetryAfter { get; }
}
