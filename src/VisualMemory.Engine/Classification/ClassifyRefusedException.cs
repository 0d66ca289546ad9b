namespace VisualMemory.Engine.Classification;

/// <summary>The memory's state does not allow the request (empty memory, no taxonomy, no linear head).</summary>
public sealed class ClassifyRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ClassifyRefusedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClassifyRefusedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ClassifyRefusedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
