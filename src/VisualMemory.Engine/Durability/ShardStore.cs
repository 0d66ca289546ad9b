using VisualMemory.Storage;
using VisualMemory.Storage.Log;
using VisualMemory.Storage.Segments;

namespace VisualMemory.Engine.Durability;

/// <summary>
/// The durable side of one shard: its write-ahead log on local disk and its sealed segments and
/// manifest generations in object storage. The shard decides what to write; this class knows the
/// order that makes every step safe to interrupt.
/// </summary>
/// <remarks>
/// A checkpoint (<see cref="CommitAsync"/>) writes new segment objects, then the next manifest
/// generation naming the shard's segments and the log position they cover, then truncates the log
/// and deletes objects no manifest names. A crash before the manifest leaves unreferenced objects
/// (deleted at the next load); a crash after it leaves log files the next load truncates.
/// Appends are thread-safe; loads and commits are called by one thread at a time.
/// </remarks>
public sealed class ShardStore : IDisposable
{
    private readonly IObjectStore _objects;
    private readonly SegmentObjectWriter _writer;
    private readonly SegmentObjectReader _reader;
    private readonly ShardManifestStore _manifests;
    private long _generation = -1;
    private long _coveredPosition;

    private ShardStore(IObjectStore objects, ShardLocation location, WriteAheadLog log)
    {
        _objects = objects;
        Location = location;
        Log = log;
        _writer = new SegmentObjectWriter(objects);
        _reader = new SegmentObjectReader(objects);
        _manifests = new ShardManifestStore(objects);
    }

    /// <summary>Where the shard's objects live.</summary>
    public ShardLocation Location { get; }

    /// <summary>The shard's write-ahead log.</summary>
    public WriteAheadLog Log { get; }

    /// <summary>The current manifest generation, -1 before the first checkpoint.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// The log position the stored segments cover: every write before it is in a segment, and no
    /// stored object holds anything deleted before it.
    /// </summary>
    public long CoveredPosition => Interlocked.Read(ref _coveredPosition);

    /// <summary>Opens the log of a shard (creating an empty one when there is none).</summary>
    public static ShardStore Open(IObjectStore objects, ShardLocation location, string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(location);
        return new ShardStore(objects, location, WriteAheadLog.Open(logDirectory));
    }

    /// <summary>Appends a write; completes once it is fsynced, with its log position.</summary>
    public Task<long> AppendAsync(byte[] payload) => Log.AppendAsync(payload);

    /// <summary>
    /// Reads the shard's state: the newest manifest's segments, verified, and the log records after
    /// the position they cover. Also finishes whatever an interrupted checkpoint left: unreferenced
    /// objects are deleted and covered log files truncated.
    /// </summary>
    /// <exception cref="CorruptStoredObjectException">A manifest or segment is damaged; nothing is served.</exception>
    /// <exception cref="InvalidDataException">The log does not continue the stored state.</exception>
    public async Task<(IReadOnlyList<SealedSegmentData> Segments, IReadOnlyDictionary<string, long> Origins, IEnumerable<(long Position, byte[] Payload)> Records)> LoadAsync(CancellationToken cancellationToken = default)
    {
        var manifest = await _manifests.ReadLatestAsync(Location, cancellationToken).ConfigureAwait(false);
        var segments = new List<SealedSegmentData>();
        foreach (var number in manifest?.Segments ?? [])
        {
            segments.Add(await _reader.ReadAsync(Location, number, cancellationToken).ConfigureAwait(false));
        }
        var covered = manifest?.LogPosition ?? 0;
        await DeleteUnreferencedAsync(manifest?.Segments ?? [], cancellationToken).ConfigureAwait(false);
        if (covered > 0)
        {
            Log.TruncateBefore(covered);
            if (Log.FirstPosition > covered && Log.NextPosition > Log.FirstPosition)
            {
                throw new InvalidDataException(
                    $"{Location}: its manifest covers the log up to position {covered} but the log in '{Log.Directory}' starts at {Log.FirstPosition}; writes in between are missing");
            }
            // A fresh log (new node, lost disk) continues after what the manifest covers.
            Log.AdvanceTo(covered);
        }
        Interlocked.Exchange(ref _generation, manifest?.Generation ?? -1);
        Interlocked.Exchange(ref _coveredPosition, covered);
        return (segments, manifest?.Origins ?? new Dictionary<string, long>(), Log.ReadFrom(Math.Max(covered, Log.FirstPosition)));
    }

    /// <summary>
    /// Makes a checkpoint durable: writes <paramref name="written"/>, then a manifest naming
    /// <paramref name="segments"/> (every stored segment of the shard, new ones included) as covering
    /// the log before <paramref name="coveredPosition"/>, with the bulk-load <paramref name="origins"/>
    /// registered in the shard (see <see cref="ShardManifest.Origins"/>); then truncates the log and
    /// deletes what no manifest names. Returns the stored size of each written segment, in order.
    /// </summary>
    public async Task<IReadOnlyList<long>> CommitAsync(IReadOnlyList<SealedSegmentData> written, IEnumerable<long> segments, long coveredPosition,
        IReadOnlyDictionary<string, long>? origins = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(segments);
        var sizes = new List<long>(written.Count);
        foreach (var segment in written)
        {
            var manifest = await _writer.WriteAsync(Location, segment, cancellationToken).ConfigureAwait(false);
            sizes.Add(manifest.DataBytes);
        }
        var numbers = segments.Order().ToList();
        var generation = Generation + 1;
        await _manifests.WriteAsync(Location, new ShardManifest(generation, numbers, coveredPosition, DateTimeOffset.UtcNow, origins), cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _generation, generation);
        Log.TruncateBefore(coveredPosition);
        await DeleteUnreferencedAsync(numbers, cancellationToken).ConfigureAwait(false);
        await _manifests.DeleteGenerationsBeforeAsync(Location, generation, cancellationToken).ConfigureAwait(false);
        // Only now is nothing before the position left in any stored object.
        Interlocked.Exchange(ref _coveredPosition, coveredPosition);
        return sizes;
    }

    /// <summary>The highest segment number present in storage (referenced or not), or -1.</summary>
    public async Task<long> HighestStoredSegmentAsync(CancellationToken cancellationToken = default)
    {
        var listing = await _reader.ListAsync(Location, cancellationToken).ConfigureAwait(false);
        return listing.Sealed.Concat(listing.Unsealed).DefaultIfEmpty(-1).Max();
    }

    /// <summary>Deletes every object of the shard and its log; the store is unusable afterwards.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        var directory = Log.Directory;
        Log.Dispose();
        foreach (var item in await _objects.ListAsync(Location.Prefix, cancellationToken).ConfigureAwait(false))
        {
            await _objects.DeleteAsync(item.Key, cancellationToken).ConfigureAwait(false);
        }
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Closes the log.</summary>
    public void Dispose() => Log.Dispose();

    private async Task DeleteUnreferencedAsync(IReadOnlyList<long> referenced, CancellationToken cancellationToken)
    {
        var listing = await _reader.ListAsync(Location, cancellationToken).ConfigureAwait(false);
        var keep = referenced.ToHashSet();
        foreach (var number in listing.Sealed.Concat(listing.Unsealed).Where(n => !keep.Contains(n)))
        {
            await _writer.DeleteAsync(Location, number, cancellationToken).ConfigureAwait(false);
        }
    }
}
