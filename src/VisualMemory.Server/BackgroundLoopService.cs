namespace VisualMemory.Server;

/// <summary>
/// A hosted service that prepares at start, then runs one background loop until the host stops, and
/// finishes once the loop has ended. Hosts may be stopped twice (the test host is), the second time
/// after Dispose: the stop runs once and every caller waits for that one, so nothing sees the node
/// stopped while the service still works.
/// </summary>
internal abstract class BackgroundLoopService : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stopGate = new();
    private Task _loop = Task.CompletedTask;
    private Task? _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await StartingAsync(cancellationToken).ConfigureAwait(false))
        {
            _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
        {
            return _stopped ??= StopOnceAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs at start, before the loop; returns false when this node has no loop to run.</summary>
    protected abstract Task<bool> StartingAsync(CancellationToken cancellationToken);

    /// <summary>The loop; it returns once <paramref name="stopping"/> is cancelled.</summary>
    protected abstract Task LoopAsync(CancellationToken stopping);

    /// <summary>Runs once at stop, after the loop has ended.</summary>
    protected virtual Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await StoppedAsync(cancellationToken).ConfigureAwait(false);
    }
}
