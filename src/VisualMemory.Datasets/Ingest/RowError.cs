namespace VisualMemory.Datasets.Ingest;

/// <summary>A row of a part that was not ingested, and why.</summary>
/// <param name="Part">The part's name.</param>
/// <param name="Row">Zero-based row within the part.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record RowError(string Part, long Row, string Message);
