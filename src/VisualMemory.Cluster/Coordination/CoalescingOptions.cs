namespace VisualMemory.Cluster.Coordination;

/// <summary>How <see cref="CoalescingFanout"/> gathers concurrent searches into one batch.</summary>
/// <param name="MaxQueries">The most query rows one batch carries; a single caller with more rows goes alone.</param>
/// <param name="MaxWait">
/// How long the oldest queued search may wait for company when no batch is in flight; zero sends at
/// once (batches then form only while an earlier batch is in flight). Timer resolution is about a
/// millisecond, so shorter non-zero waits round up.
/// </param>
public sealed record CoalescingOptions(int MaxQueries = 256, TimeSpan MaxWait = default)
{
    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">MaxQueries below 1 or a negative MaxWait.</exception>
    public CoalescingOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWait, TimeSpan.Zero);
        return this;
    }
}
