namespace VisualMemory.Server.Contracts;

/// <summary>Body of POST /v1/jobs/ingest.</summary>
/// <param name="Memory">The memory to load (it must exist; create it first with its index and, for images, its model).</param>
/// <param name="Manifest">The dataset manifest: a path on the node, or <c>store://key</c> in its object store.</param>
/// <param name="MinConfidence">Drop rows whose pseudo-label confidence is below this (0–1).</param>
/// <param name="Labels">Keep only these labels.</param>
/// <param name="ChunkRows">Rows per chunk (one sealed segment per shard each); default Ingest:ChunkRows.</param>
/// <param name="TrainSample">Rows sampled from the first parts to train the quantizer when the memory has none; default Ingest:TrainSample.</param>
public sealed record IngestJobRequest(string? Memory, string? Manifest, float? MinConfidence = null, IReadOnlyList<string>? Labels = null, int? ChunkRows = null, int? TrainSample = null);

/// <summary>A job and its progress (GET /v1/jobs/{id}).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Kind">What it does (<c>ingest</c>).</param>
/// <param name="Memory">The memory it loads.</param>
/// <param name="State">running, succeeded, failed or cancelled.</param>
/// <param name="Message">Why it failed or was cancelled.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last made progress.</param>
/// <param name="Totals">Sums over its parts.</param>
/// <param name="ItemsPerSecond">Rows read per second since it was created (while running) or over its life.</param>
/// <param name="EtaSeconds">Estimated seconds left, when every part's size is known.</param>
/// <param name="Parts">Each part's progress and its first bad rows.</param>
/// <param name="Quantizer">How the memory's quantizer was trained by this job, if it was.</param>
public sealed record JobView(long Id, string Kind, string Memory, string State, string? Message, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    JobTotals Totals, double ItemsPerSecond, double? EtaSeconds, IReadOnlyList<PartView> Parts, System.Text.Json.JsonElement? Quantizer);

/// <summary>Counts over a job's parts: every row read is exactly one of added, duplicate, filtered or bad.</summary>
/// <param name="RowsRead">Rows read.</param>
/// <param name="TotalRows">Rows in all parts, when every part's size is known up front.</param>
/// <param name="Added">Rows stored.</param>
/// <param name="Duplicates">Rows whose id was already stored.</param>
/// <param name="Filtered">Rows the filter dropped.</param>
/// <param name="Bad">Rows that could not be used.</param>
/// <param name="PartsDone">Parts finished.</param>
/// <param name="PartsFailed">Parts that could not be read at all.</param>
/// <param name="PartsTotal">Parts in the job.</param>
public sealed record JobTotals(long RowsRead, long? TotalRows, long Added, long Duplicates, long Filtered, long Bad, int PartsDone, int PartsFailed, int PartsTotal);

/// <summary>One part's progress.</summary>
/// <param name="Index">Its position in the manifest.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">pending, running, done or failed.</param>
/// <param name="Node">The node running it or that ran it.</param>
/// <param name="RowsRead">Rows read.</param>
/// <param name="TotalRows">Rows in the part, when known.</param>
/// <param name="Added">Rows stored.</param>
/// <param name="Duplicates">Rows whose id was already stored.</param>
/// <param name="Filtered">Rows the filter dropped.</param>
/// <param name="Bad">Rows that could not be used.</param>
/// <param name="BadRows">The first bad rows (row number within the part, and why).</param>
/// <param name="Error">Why the part failed as a whole.</param>
public sealed record PartView(int Index, string Name, string State, string? Node, long RowsRead, long? TotalRows, long Added, long Duplicates, long Filtered, long Bad,
    IReadOnlyList<BadRowView> BadRows, string? Error);

/// <summary>A row that was not ingested.</summary>
/// <param name="Row">Zero-based row within its part.</param>
/// <param name="Message">Why.</param>
public sealed record BadRowView(long Row, string Message);

/// <summary>Response of GET /v1/jobs.</summary>
/// <param name="Jobs">The newest jobs first.</param>
public sealed record JobList(IReadOnlyList<JobView> Jobs);
