using VisualMemory.Engine;

namespace VisualMemory.Server;

/// <summary>
/// Opens every stored memory at start, checkpoints shards in the background while the node runs
/// (sealing, compaction, forgetting: <see cref="LocalMemory.MaintainAsync"/>), and at a graceful stop
/// checkpoints everything into object storage before freeing the catalog. Durability does not depend
/// on the stop: every acknowledged write is already in a write-ahead log.
/// </summary>
internal sealed partial class MemoryHostService(MemoryCatalog catalog, Health.NodeReadiness readiness, ILogger<MemoryHostService> logger) : BackgroundLoopService
{
    protected override async Task<bool> StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, error) in await catalog.LoadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // A damaged memory is never served; its objects and logs stay for an operator to inspect.
            LogRefused(name, error.Message);
        }
        foreach (var memory in catalog.Memories)
        {
            var count = memory.Count;
            LogLoaded(memory.Definition.Name, count);
        }
        readiness.MarkMemoriesLoaded();
        return true;
    }

    protected override async Task StoppedAsync(CancellationToken cancellationToken)
    {
        foreach (var memory in catalog.Memories)
        {
            try
            {
                await memory.CheckpointAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Nothing is lost: the logs still hold every acknowledged write and replay at the next start.
                LogCheckpointFailed(memory.Definition.Name, e.Message);
            }
        }
        catalog.Dispose();
    }

    protected override async Task LoopAsync(CancellationToken stopping)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(10, catalog.Settings.CheckpointIntervalMilliseconds));
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var memory in catalog.Memories)
            {
                try
                {
                    await memory.MaintainAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    // Dropped while being maintained.
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Retried at the next tick; the logs keep every write meanwhile.
                    LogCheckpointFailed(memory.Definition.Name, e.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded memory {Name} ({Count} items)")]
    private partial void LogLoaded(string name, long count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused to load memory {Name}: {Reason}")]
    private partial void LogRefused(string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint of memory {Name} failed: {Reason}")]
    private partial void LogCheckpointFailed(string name, string reason);
}
