using VisualMemory.Datasets.Ingest;

namespace VisualMemory.Server.Jobs;

/// <summary>
/// What an ingest job stores in the control plane for its workers: the manifest (as read when the job was
/// created, so a later edit of the file cannot change a running job), where its relative paths resolve,
/// the filters and the chunking.
/// </summary>
/// <param name="Manifest">The dataset's parts.</param>
/// <param name="BaseLocation">Where the manifest was: relative file names in it resolve against this (a directory, or a <c>store://</c> prefix).</param>
/// <param name="MinConfidence">Rows whose pseudo-label confidence is below this are filtered out.</param>
/// <param name="Labels">Only these labels are kept (null: all).</param>
/// <param name="ChunkRows">Rows per chunk: each chunk becomes one sealed segment per shard, registered at once.</param>
/// <param name="TrainSample">Rows sampled from the first parts to train the memory's quantizer when it has none.</param>
internal sealed record IngestJobSpec(DatasetManifest Manifest, string BaseLocation, float? MinConfidence, IReadOnlyList<string>? Labels, int ChunkRows, int TrainSample)
{
    /// <summary>The filter the spec describes.</summary>
    public IngestFilter Filter => new(MinConfidence, Labels is { Count: > 0 } labels ? labels.ToHashSet(StringComparer.Ordinal) : null);
}
