namespace VisualMemory.Storage.Log;

/// <summary>
/// A write-ahead log file holds a damaged record that cannot be a torn, never-acknowledged tail:
/// it is in a sealed (non-last) file, it is followed by a valid record, or a checksummed record has
/// the wrong position. Nothing is dropped silently; an operator must look at the file.
/// </summary>
public sealed class WriteAheadLogCorruptException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/> at byte <paramref name="offset"/>.</summary>
    public WriteAheadLogCorruptException(string filePath, long offset, string reason)
        : base($"Write-ahead log file '{filePath}' is corrupt at byte offset {offset}: {reason}.")
    {
        FilePath = filePath;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public WriteAheadLogCorruptException()
        : this("(unknown)", -1, "unspecified")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public WriteAheadLogCorruptException(string message)
        : base(message)
    {
        FilePath = "(unknown)";
        Offset = -1;
        Reason = message;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public WriteAheadLogCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = "(unknown)";
        Offset = -1;
        Reason = message;
    }

    /// <summary>The full path of the damaged file.</summary>
    public string FilePath { get; }

    /// <summary>The byte offset of the damaged record's start in <see cref="FilePath"/>.</summary>
    public long Offset { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
