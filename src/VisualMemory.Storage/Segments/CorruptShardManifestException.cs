namespace VisualMemory.Storage.Segments;

/// <summary>A shard manifest generation failed verification; the shard refuses to load from it.</summary>
public sealed class CorruptShardManifestException : CorruptStoredObjectException
{
    /// <summary>Creates the exception for the object <paramref name="key"/>.</summary>
    public CorruptShardManifestException(string key, CorruptionKind kind, string detail, Exception? innerException = null)
        : base("shard manifest", key, kind, detail, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CorruptShardManifestException() : this("(unknown)", CorruptionKind.Inconsistent, "corrupt") { }

    /// <summary>Creates the exception with a message.</summary>
    public CorruptShardManifestException(string message) : base(message, null) { }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public CorruptShardManifestException(string message, Exception innerException) : base(message, innerException) { }
}
