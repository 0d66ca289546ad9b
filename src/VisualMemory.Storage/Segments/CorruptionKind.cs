namespace VisualMemory.Storage.Segments;

/// <summary>What is wrong with a stored segment or shard manifest.</summary>
public enum CorruptionKind
{
    /// <summary>An object the manifest names does not exist.</summary>
    MissingObject,

    /// <summary>An object is shorter than the manifest says.</summary>
    Truncated,

    /// <summary>An object is longer than the manifest says.</summary>
    SizeMismatch,

    /// <summary>An object's (or a manifest body's) SHA-256 differs from the recorded one.</summary>
    ChecksumMismatch,

    /// <summary>A manifest is not valid JSON or lacks or mistypes a field.</summary>
    MalformedManifest,

    /// <summary>A manifest has a format version this build cannot read.</summary>
    UnsupportedFormatVersion,

    /// <summary>A manifest's fields disagree with each other or with where it is stored (row count vs column sizes, segment number vs key, …).</summary>
    Inconsistent,
}

/// <summary>
/// A sealed segment failed verification while loading: nothing of it is returned. The message names
/// the object key and what is wrong.
/// </summary>
public sealed class CorruptSegmentException : Exception
{
    /// <summary>Creates the exception for the object <paramref name="key"/>.</summary>
    public CorruptSegmentException(string key, CorruptionKind kind, string detail, Exception? innerException = null)
        : base($"Corrupt segment object '{key}': {detail}", innerException)
    {
        Key = key;
        Kind = kind;
    }

    /// <summary>Creates the exception.</summary>
    public CorruptSegmentException() : this("(unknown)", CorruptionKind.Inconsistent, "corrupt") { }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptSegmentException(string message) : base(message) => Key = "";

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public CorruptSegmentException(string message, Exception innerException) : base(message, innerException) => Key = "";

    /// <summary>The key of the object that failed.</summary>
    public string Key { get; }

    /// <summary>What is wrong with it.</summary>
    public CorruptionKind Kind { get; }
}

/// <summary>A shard manifest generation failed verification; the shard refuses to load from it.</summary>
public sealed class CorruptShardManifestException : Exception
{
    /// <summary>Creates the exception for the manifest <paramref name="key"/>.</summary>
    public CorruptShardManifestException(string key, CorruptionKind kind, string detail, Exception? innerException = null)
        : base($"Corrupt shard manifest '{key}': {detail}", innerException)
    {
        Key = key;
        Kind = kind;
    }

    /// <summary>Creates the exception.</summary>
    public CorruptShardManifestException() : this("(unknown)", CorruptionKind.Inconsistent, "corrupt") { }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptShardManifestException(string message) : base(message) => Key = "";

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public CorruptShardManifestException(string message, Exception innerException) : base(message, innerException) => Key = "";

    /// <summary>The key of the manifest generation that failed.</summary>
    public string Key { get; }

    /// <summary>What is wrong with it.</summary>
    public CorruptionKind Kind { get; }
}
