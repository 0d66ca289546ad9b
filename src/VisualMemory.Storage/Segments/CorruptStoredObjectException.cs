namespace VisualMemory.Storage.Segments;

/// <summary>
/// A stored object failed verification while loading; nothing of it is served. The message names
/// the object key and what is wrong.
/// </summary>
public abstract class CorruptStoredObjectException : Exception
{
    /// <summary>Creates the exception for the object <paramref name="key"/>, described as <paramref name="what"/>.</summary>
    protected CorruptStoredObjectException(string what, string key, CorruptionKind kind, string detail, Exception? innerException)
        : base($"Corrupt {what} '{key}': {detail}", innerException)
    {
        Key = key;
        Kind = kind;
    }

    /// <summary>Creates the exception with a message.</summary>
    protected CorruptStoredObjectException(string message, Exception? innerException) : base(message, innerException) => Key = "";

    /// <summary>The key of the object that failed.</summary>
    public string Key { get; }

    /// <summary>What is wrong with it.</summary>
    public CorruptionKind Kind { get; }
}
