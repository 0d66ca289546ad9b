namespace VisualMemory.Embedding.Batching;

/// <summary>How <see cref="EmbeddingBatcher"/> forms batches and when it pushes back.</summary>
public sealed record BatchingOptions
{
    /// <summary>Most images in one model run.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>
    /// How long the first image of a batch waits for others before the batch runs anyway. 0 (the default)
    /// runs at once with whatever is queued: requests that arrive while a batch runs form the next one, so
    /// batches grow with load and a lone request never waits (a fixed wait cost a single caller 3-5x in
    /// throughput on 2 cores: docs/benchmarks.md).
    /// </summary>
    public int MaxWaitMicroseconds { get; init; }

    /// <summary>Images waiting beyond the batch being run; one more is refused (HTTP 429 with Retry-After).</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>What is wrong with the options; empty when usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxBatchSize is < 1 or > 4096)
        {
            problems.Add("MaxBatchSize must be between 1 and 4096");
        }
        if (MaxWaitMicroseconds is < 0 or > 10_000_000)
        {
            problems.Add("MaxWaitMicroseconds must be between 0 and 10,000,000");
        }
        if (QueueCapacity < 1)
        {
            problems.Add("QueueCapacity must be at least 1");
        }
        return problems;
    }
}
