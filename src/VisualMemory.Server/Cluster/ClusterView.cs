using VisualMemory.ControlPlane;

namespace VisualMemory.Server.Cluster;

/// <summary>
/// This node's cached reading of the control plane (<see cref="ClusterSnapshot"/>): refreshed every
/// heartbeat by the replica host, and on demand when a lookup misses (a memory created a moment ago,
/// a primary that just changed).
/// </summary>
internal sealed class ClusterView(IClusterStore store) : IDisposable
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private ClusterSnapshot _current = ClusterSnapshot.Empty;

    /// <summary>The latest reading.</summary>
    public ClusterSnapshot Current => Volatile.Read(ref _current);

    /// <summary>The latest reading, refreshed first when it is older than <paramref name="maxAge"/>.</summary>
    public async Task<ClusterSnapshot> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var current = Current;
        return DateTimeOffset.UtcNow - current.TakenAt <= maxAge ? current : await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the control plane again. Concurrent callers share a reading, but only one begun after they
    /// asked: a reading begun earlier may predate the caller's own write (a memory it just created).
    /// </summary>
    public async Task<ClusterSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        var asked = DateTimeOffset.UtcNow;
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current.TakenAt >= asked)
            {
                return Current;
            }
            var takenAt = DateTimeOffset.UtcNow;
            var nodes = await store.ListNodesAsync(cancellationToken).ConfigureAwait(false);
            var memories = await store.ListMemoriesAsync(cancellationToken).ConfigureAwait(false);
            var shards = await store.ListShardsAsync(null, cancellationToken).ConfigureAwait(false);
            var assignments = await store.ListAssignmentsAsync(null, cancellationToken).ConfigureAwait(false);
            var snapshot = new ClusterSnapshot(takenAt, nodes, memories, shards, assignments);
            Volatile.Write(ref _current, snapshot);
            return snapshot;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose() => _refreshing.Dispose();
}
