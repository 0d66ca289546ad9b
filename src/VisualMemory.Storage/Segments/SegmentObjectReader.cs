using System.Globalization;
using System.Text.Json;

namespace VisualMemory.Storage.Segments;

/// <summary>
/// Loads sealed segments written by <see cref="SegmentObjectWriter"/>, verifying everything before
/// returning anything: the manifest's own checksum and format version, that it describes the segment
/// it is stored as, that every column's size agrees with the row count, and each data object's size
/// and SHA-256. Any failure is a <see cref="CorruptSegmentException"/> naming the object key and the
/// problem (missing object, truncated, checksum mismatch, malformed manifest JSON, unsupported
/// version, inconsistent manifest); partial data is never returned.
/// </summary>
public sealed class SegmentObjectReader
{
    private readonly IObjectStore _store;

    /// <summary>Creates a reader over <paramref name="store"/>.</summary>
    public SegmentObjectReader(IObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Reads and verifies segment <paramref name="number"/>'s manifest (not its data objects).</summary>
    /// <exception cref="CorruptSegmentException">The manifest is missing, malformed, of an unknown version, fails its checksum or is inconsistent.</exception>
    public async Task<SegmentManifest> ReadManifestAsync(ShardLocation shard, long number, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var prefix = shard.SegmentPrefix(number);
        var key = prefix + SegmentObjectNames.Manifest;
        byte[] content;
        try
        {
            content = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new CorruptSegmentException(key, CorruptionKind.MissingObject, $"missing object (not found in {_store.Describe})", e);
        }
        return ParseManifest(content, key, prefix, number);
    }

    /// <summary>Reads segment <paramref name="number"/> of <paramref name="shard"/> and verifies every object.</summary>
    /// <exception cref="CorruptSegmentException">Any object is missing, truncated, too long, fails its checksum, or the manifest is bad.</exception>
    public async Task<SealedSegmentData> ReadAsync(ShardLocation shard, long number, CancellationToken cancellationToken = default)
    {
        var manifest = await ReadManifestAsync(shard, number, cancellationToken).ConfigureAwait(false);
        var gets = manifest.Objects.Select(o => _store.GetAsync(o.Key, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(gets).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            // reported below, per object, in manifest order
        }
        var bytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < gets.Count; i++)
        {
            var entry = manifest.Objects[i];
            byte[] content;
            try
            {
                content = await gets[i].ConfigureAwait(false);
            }
            catch (ObjectNotFoundException e)
            {
                throw new CorruptSegmentException(entry.Key, CorruptionKind.MissingObject, $"missing object (named by the segment manifest, not found in {_store.Describe})", e);
            }
            Verify(entry, content);
            bytes[entry.Name] = content;
        }
        return new SealedSegmentData(
            manifest.Number,
            manifest.Dimension,
            manifest.RowCount,
            Columns.DecodeInt64(bytes[SegmentObjectNames.Ids]),
            Columns.DecodeInt32(bytes[SegmentObjectNames.Labels]),
            Columns.DecodeInt32(bytes[SegmentObjectNames.Sources]),
            Columns.DecodeSingle(bytes[SegmentObjectNames.Reliability]),
            bytes[SegmentObjectNames.Flags],
            bytes[SegmentObjectNames.Index]);
    }

    /// <summary>
    /// The segments stored for <paramref name="shard"/>: <see cref="SegmentListing.Sealed"/> have a
    /// manifest (not verified here); <see cref="SegmentListing.Unsealed"/> have objects but no manifest
    /// (a write in progress or one interrupted by a crash; never loadable). Whether a sealed segment is
    /// part of the shard is decided by the shard manifest, not by this listing.
    /// </summary>
    public async Task<SegmentListing> ListAsync(ShardLocation shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var prefix = shard.SegmentsPrefix;
        var withObjects = new SortedSet<long>();
        var sealedNumbers = new SortedSet<long>();
        foreach (var item in await _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = item.Key.AsSpan(prefix.Length);
            var slash = rest.IndexOf('/');
            if (slash <= 0 || !long.TryParse(rest[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;   // not a segment directory of this format
            }
            withObjects.Add(number);
            if (rest[(slash + 1)..].SequenceEqual(SegmentObjectNames.Manifest))
            {
                sealedNumbers.Add(number);
            }
        }
        withObjects.ExceptWith(sealedNumbers);
        return new SegmentListing([.. sealedNumbers], [.. withObjects]);
    }

    private static void Verify(SegmentObjectEntry entry, byte[] content)
    {
        if (content.LongLength < entry.Size)
        {
            throw new CorruptSegmentException(entry.Key, CorruptionKind.Truncated,
                $"truncated: expected {entry.Size} bytes, got {content.LongLength}");
        }
        if (content.LongLength > entry.Size)
        {
            throw new CorruptSegmentException(entry.Key, CorruptionKind.SizeMismatch,
                $"size mismatch: expected {entry.Size} bytes, got {content.LongLength}");
        }
        var actual = ChecksummedJson.Sha256Hex(content);
        if (!string.Equals(actual, entry.Sha256, StringComparison.Ordinal))
        {
            throw new CorruptSegmentException(entry.Key, CorruptionKind.ChecksumMismatch,
                $"checksum mismatch: SHA-256 is {actual}, the manifest records {entry.Sha256}");
        }
    }

    private static SegmentManifest ParseManifest(byte[] content, string key, string prefix, long number)
    {
        var (document, body, kind, problem) = ChecksummedJson.Read(content, SegmentManifest.Kind, SegmentManifest.CurrentFormatVersion, out var version);
        if (problem is not null)
        {
            throw new CorruptSegmentException(key, kind, problem);
        }
        using (document)
        {
            try
            {
                var segmentNumber = body.GetProperty("segmentNumber").GetInt64();
                var dimension = body.GetProperty("dimension").GetInt32();
                var rowCount = body.GetProperty("rowCount").GetInt32();
                var created = DateTimeOffset.Parse(Text(body, "createdUtc"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                var objects = new List<SegmentObjectEntry>();
                foreach (var item in body.GetProperty("objects").EnumerateArray())
                {
                    var name = Text(item, "name");
                    objects.Add(new SegmentObjectEntry(name, prefix + name, item.GetProperty("size").GetInt64(), Text(item, "sha256")));
                }
                var manifest = new SegmentManifest(version, segmentNumber, dimension, rowCount, created, objects);
                CheckConsistent(manifest, key, number);
                return manifest;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new CorruptSegmentException(key, CorruptionKind.MalformedManifest, $"malformed manifest JSON (a field is missing or has the wrong type: {e.Message})", e);
            }
        }
    }

    internal static string Text(JsonElement element, string name) =>
        element.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null");

    private static void CheckConsistent(SegmentManifest manifest, string key, long number)
    {
        string? problem = null;
        if (manifest.Number != number)
        {
            problem = $"the manifest is for segment {manifest.Number} but is stored as segment {number}";
        }
        else if (manifest.Dimension < 1 || manifest.RowCount < 0)
        {
            problem = $"dimension {manifest.Dimension} and row count {manifest.RowCount} are out of range";
        }
        else if (!manifest.Objects.Select(o => o.Name).SequenceEqual(SegmentObjectNames.DataObjects))
        {
            problem = $"the objects are [{string.Join(", ", manifest.Objects.Select(o => o.Name))}], expected [{string.Join(", ", SegmentObjectNames.DataObjects)}]";
        }
        else
        {
            foreach (var entry in manifest.Objects)
            {
                var perRow = Columns.BytesPerRow(entry.Name);
                if (entry.Size < 0 || (perRow is { } n && entry.Size != (long)n * manifest.RowCount))
                {
                    problem = $"column {entry.Name} is recorded as {entry.Size} bytes, which does not fit {manifest.RowCount} rows";
                    break;
                }
                if (entry.Sha256.Length != 64)
                {
                    problem = $"the checksum recorded for {entry.Name} is not a SHA-256";
                    break;
                }
            }
        }
        if (problem is not null)
        {
            throw new CorruptSegmentException(key, CorruptionKind.Inconsistent, problem);
        }
    }
}

/// <summary>The segment numbers found under a shard's prefix.</summary>
/// <param name="Sealed">Segments with a manifest, ascending.</param>
/// <param name="Unsealed">Segments with objects but no manifest (incomplete writes), ascending.</param>
public sealed record SegmentListing(IReadOnlyList<long> Sealed, IReadOnlyList<long> Unsealed);
