namespace VisualMemory.Storage.Segments;

/// <summary>The names of a segment's objects inside its prefix.</summary>
public static class SegmentObjectNames
{
    /// <summary>The FAISS index bytes.</summary>
    public const string Index = "index.faiss";

    /// <summary>Ids, int64 little-endian per row.</summary>
    public const string Ids = "ids.bin";

    /// <summary>Labels, int32 little-endian per row.</summary>
    public const string Labels = "labels.bin";

    /// <summary>Sources, int32 little-endian per row.</summary>
    public const string Sources = "sources.bin";

    /// <summary>Reliability weights, IEEE float32 little-endian per row.</summary>
    public const string Reliability = "reliability.bin";

    /// <summary>Flags, one byte per row.</summary>
    public const string Flags = "flags.bin";

    /// <summary>The manifest, written last.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The data objects in the order they are written and listed in the manifest.</summary>
    public static IReadOnlyList<string> DataObjects { get; } = [Index, Ids, Labels, Sources, Reliability, Flags];
}
