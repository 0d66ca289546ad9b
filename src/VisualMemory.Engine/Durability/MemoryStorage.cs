using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using VisualMemory.Storage;
using VisualMemory.Storage.Segments;

namespace VisualMemory.Engine.Durability;

/// <summary>
/// Where a node keeps its memories: bulk data (segments, manifests, quantizers, memory state) in an
/// object store, write-ahead logs in a local directory. Per memory:
/// <c>memories/{name}/memory.json</c> (the definition, written first at creation and deleted first
/// when dropped, so it decides whether the memory exists), <c>quantizer.faiss</c> (the trained,
/// empty index every segment is copied from), <c>state.bin</c> (vocabularies, prunes, unlearning
/// audit, taxonomy, linear head) and <c>shards/{n}/…</c> (see <see cref="ShardStore"/>); logs in
/// <c>{log directory}/{name}/{shard}/</c>.
/// </summary>
public sealed class MemoryStorage
{
    private const string DefinitionName = "memory.json";
    private const string QuantizerName = "quantizer.faiss";
    private const string StateName = "state.bin";

    /// <summary>Creates the storage over an object store and a local log directory.</summary>
    public MemoryStorage(IObjectStore objects, string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        Objects = objects;
        LogDirectory = Path.GetFullPath(logDirectory);
    }

    /// <summary>The object store holding segments, manifests and memory state.</summary>
    public IObjectStore Objects { get; }

    /// <summary>The local directory under which each shard's write-ahead log lives.</summary>
    public string LogDirectory { get; }

    /// <summary>The names of the stored memories (those whose definition exists), sorted.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await ListNamesAsync(cancellationToken).ConfigureAwait(false)).Defined];

    /// <summary>Names that have objects or logs but no definition: drops interrupted by a crash, to finish with <see cref="DeleteAsync"/>.</summary>
    public async Task<IReadOnlyList<string>> ListLeftoversAsync(CancellationToken cancellationToken = default)
    {
        var (defined, withObjects) = await ListNamesAsync(cancellationToken).ConfigureAwait(false);
        var names = new SortedSet<string>(withObjects.Where(n => !defined.Contains(n)), StringComparer.Ordinal);
        if (Directory.Exists(LogDirectory))
        {
            foreach (var directory in Directory.EnumerateDirectories(LogDirectory))
            {
                var name = Path.GetFileName(directory);
                if (!defined.Contains(name))
                {
                    names.Add(name);
                }
            }
        }
        return [.. names];
    }

    /// <summary>Writes a new memory's definition, after removing anything an earlier memory of that name left.</summary>
    public async Task CreateAsync(MemoryDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await DeleteAsync(definition.Name, cancellationToken).ConfigureAwait(false);
        await Objects.PutAsync(Key(definition.Name, DefinitionName), MemoryDefinitionJson.ToUtf8(definition), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a memory's definition.</summary>
    /// <exception cref="InvalidDataException">It is missing or unreadable.</exception>
    public async Task<MemoryDefinition> ReadDefinitionAsync(string name, CancellationToken cancellationToken = default)
    {
        var key = Key(name, DefinitionName);
        try
        {
            return MemoryDefinitionJson.Parse(await Objects.GetAsync(key, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is JsonException or ObjectNotFoundException)
        {
            throw new InvalidDataException($"{key}: unreadable memory definition: {e.Message}", e);
        }
    }

    /// <summary>Stores the trained quantizer (a serialized, empty FAISS index).</summary>
    public Task WriteQuantizerAsync(string name, byte[] index, CancellationToken cancellationToken = default) =>
        Objects.PutAsync(Key(name, QuantizerName), WithChecksum(index), cancellationToken);

    /// <summary>The stored quantizer, or null when the memory has not been trained.</summary>
    public async Task<byte[]?> ReadQuantizerAsync(string name, CancellationToken cancellationToken = default) =>
        await ReadChecked(Key(name, QuantizerName), cancellationToken).ConfigureAwait(false);

    /// <summary>Stores the memory's state (see <see cref="LocalMemory"/>).</summary>
    public Task WriteStateAsync(string name, byte[] state, CancellationToken cancellationToken = default) =>
        Objects.PutAsync(Key(name, StateName), WithChecksum(state), cancellationToken);

    /// <summary>The stored state, or null when none was written yet.</summary>
    public async Task<byte[]?> ReadStateAsync(string name, CancellationToken cancellationToken = default) =>
        await ReadChecked(Key(name, StateName), cancellationToken).ConfigureAwait(false);

    /// <summary>Bytes stored for the memory (every object under its prefix).</summary>
    public async Task<long> StoredBytesAsync(string name, CancellationToken cancellationToken = default) =>
        (await Objects.ListAsync(Prefix(name), cancellationToken).ConfigureAwait(false)).Sum(o => o.Size);

    /// <summary>Opens shard <paramref name="shard"/>'s log (not its segments: see <see cref="ShardStore.LoadAsync"/>).</summary>
    public ShardStore OpenShard(string name, int shard) =>
        ShardStore.Open(Objects, new ShardLocation(name, shard), Path.Combine(LogDirectory, name, shard.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Deletes everything stored for a memory: the definition first (from then on it does not exist,
    /// even if the rest is interrupted), then every other object and the logs. Logs must be closed.
    /// </summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await Objects.DeleteAsync(Key(name, DefinitionName), cancellationToken).ConfigureAwait(false);
        foreach (var item in await Objects.ListAsync(Prefix(name), cancellationToken).ConfigureAwait(false))
        {
            await Objects.DeleteAsync(item.Key, cancellationToken).ConfigureAwait(false);
        }
        var logs = Path.Combine(LogDirectory, name);
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    // One listing of memories/: the names with a definition, and every name with any object.
    private async Task<(SortedSet<string> Defined, SortedSet<string> WithObjects)> ListNamesAsync(CancellationToken cancellationToken)
    {
        var defined = new SortedSet<string>(StringComparer.Ordinal);
        var withObjects = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in await Objects.ListAsync("memories/", cancellationToken).ConfigureAwait(false))
        {
            var parts = item.Key.Split('/');
            if (parts.Length < 3)
            {
                continue;
            }
            withObjects.Add(parts[1]);
            if (parts.Length == 3 && parts[2] == DefinitionName)
            {
                defined.Add(parts[1]);
            }
        }
        return (defined, withObjects);
    }

    private static string Prefix(string name) => $"memories/{name}/";

    private static string Key(string name, string file) => Prefix(name) + file;

    private static byte[] WithChecksum(byte[] content) => [.. content, .. SHA256.HashData(content)];

    private async Task<byte[]?> ReadChecked(string key, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await Objects.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
        var length = bytes.Length - SHA256.HashSizeInBytes;
        if (length < 0 || !SHA256.HashData(bytes.AsSpan(0, length)).AsSpan().SequenceEqual(bytes.AsSpan(length)))
        {
            throw new InvalidDataException($"{key} in {Objects.Describe}: checksum mismatch; the object is truncated or corrupted and was not loaded");
        }
        return bytes[..length];
    }
}
