using VisualMemory.Engine;

namespace VisualMemory.Server;

/// <summary>
/// Loads every memory snapshot from the data directory at start and writes them all at graceful
/// shutdown, then frees the catalog; files of dropped memories are removed then. Crash durability is not promised yet: writes since
/// the last graceful stop are lost on SIGKILL until the write-ahead log exists (issue 4).
/// </summary>
internal sealed partial class SnapshotService(MemoryCatalog catalog, NodeStorage storage, ILogger<SnapshotService> logger) : IHostedService
{
    private readonly Lock _stopping = new();
    private bool _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(storage.MemoriesDirectory);
        foreach (var path in Directory.EnumerateFiles(storage.MemoriesDirectory, "*.vmsnap").Order(StringComparer.Ordinal))
        {
            try
            {
                var memory = MemorySnapshot.Load(path, catalog.Settings);
                if (!catalog.TryAdd(memory))
                {
                    memory.Dispose();
                }
                LogLoaded(memory.Definition.Name, memory.Count, path);
            }
            catch (InvalidDataException e)
            {
                // A damaged snapshot is never served; the file stays for an operator to inspect.
                LogRefused(path, e.Message);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Hosts may be stopped twice (the test host does); the second stop waits for the first save.
        lock (_stopping)
        {
            if (_stopped)
            {
                return Task.CompletedTask;
            }
            _stopped = true;
            SaveAll();
            catalog.Dispose();
        }
        return Task.CompletedTask;
    }

    private void SaveAll()
    {
        var keep = catalog.Names.ToHashSet(StringComparer.Ordinal);
        foreach (var name in keep)
        {
            if (catalog.Find(name) is { } memory)
            {
                MemorySnapshot.Save(memory, storage.MemoriesDirectory);
                LogSaved(name, memory.Count);
            }
        }
        // Dropped memories must not come back at the next start.
        foreach (var path in Directory.EnumerateFiles(storage.MemoriesDirectory, "*.vmsnap"))
        {
            if (!keep.Contains(Path.GetFileNameWithoutExtension(path)))
            {
                File.Delete(path);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded memory {Name} ({Count} items) from {Path}")]
    private partial void LogLoaded(string name, long count, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused snapshot {Path}: {Reason}")]
    private partial void LogRefused(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saved memory {Name} ({Count} items)")]
    private partial void LogSaved(string name, long count);
}
