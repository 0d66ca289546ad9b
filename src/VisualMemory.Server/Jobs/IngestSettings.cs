namespace VisualMemory.Server.Jobs;

/// <summary>Bulk ingest on this node (configuration section <c>Ingest</c>).</summary>
public sealed class IngestSettings
{
    /// <summary>Whether this node claims and runs parts of ingest jobs for the memories it holds.</summary>
    public bool RunJobs { get; set; } = true;

    /// <summary>Directories local dataset files may be read from; empty allows any path the process can read (the node listens on loopback by default).</summary>
    public List<string> AllowedDirectories { get; set; } = [];

    /// <summary>How long a part's claim holds without progress before another worker may take it over.</summary>
    public int PartLeaseSeconds { get; set; } = 30;

    /// <summary>How often an idle worker looks for claimable parts.</summary>
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Default rows per chunk (one sealed segment per shard each).</summary>
    public int ChunkRows { get; set; } = 50_000;

    /// <summary>Default number of rows sampled from the first parts to train a memory's quantizer.</summary>
    public int TrainSample { get; set; } = 100_000;

    /// <summary>Images embedded per request to the embedding path (image parts).</summary>
    public int ImageBatch { get; set; } = 64;
}
