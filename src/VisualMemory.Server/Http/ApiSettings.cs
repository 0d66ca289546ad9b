namespace VisualMemory.Server.Http;

/// <summary>Limits of the public API. Bound from configuration section "Api".</summary>
public sealed class ApiSettings
{
    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most items in one add request.</summary>
    public int MaxItemsPerRequest { get; set; } = 10_000;

    /// <summary>Most query vectors in one batch search.</summary>
    public int MaxBatchQueries { get; set; } = 1024;

    /// <summary>Largest k a search or classify may ask for.</summary>
    public int MaxK { get; set; } = 1000;

    /// <summary>Longest label, in characters.</summary>
    public int MaxLabelLength { get; set; } = 256;
}
