using System.Net;

namespace VisualMemory.Cluster.Transport;

/// <summary>A node refused a replication call (as opposed to being unreachable): the status says why.</summary>
public sealed class ReplicationException : Exception
{
    /// <summary>Creates the exception for a refusal with <paramref name="status"/>.</summary>
    public ReplicationException(HttpStatusCode status, string message) : base(message) => Status = status;

    /// <summary>Creates the exception.</summary>
    public ReplicationException() : this(HttpStatusCode.InternalServerError, "replication call refused") { }

    /// <summary>Creates the exception with a message.</summary>
    public ReplicationException(string message) : this(HttpStatusCode.InternalServerError, message) { }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public ReplicationException(string message, Exception innerException) : base(message, innerException) => Status = HttpStatusCode.InternalServerError;

    /// <summary>The status the node answered.</summary>
    public HttpStatusCode Status { get; }
}
