namespace VisualMemory.Storage.Segments;

/// <summary>A sealed segment failed verification while loading: nothing of it is returned.</summary>
public sealed class CorruptSegmentException : CorruptStoredObjectException
{
    /// <summary>Creates the exception for the object <paramref name="key"/>.</summary>
    public CorruptSegmentException(string key, CorruptionKind kind, string detail, Exception? innerException = null)
        : base("segment object", key, kind, detail, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CorruptSegmentException() : this("(unknown)", CorruptionKind.Inconsistent, "corrupt") { }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptSegmentException(string message) : base(message, null) { }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public CorruptSegmentException(string message, Exception innerException) : base(message, innerException) { }
}
