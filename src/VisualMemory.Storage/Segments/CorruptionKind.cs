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
