using System.Globalization;

namespace VisualMemory.Storage.Segments;

/// <summary>
/// Writes sealed segments to an <see cref="IObjectStore"/>, each under
/// <c>memories/{memory}/shards/{shard}/segments/{number:D12}/</c> as six data objects
/// (<c>index.faiss</c>, <c>ids.bin</c>, <c>labels.bin</c>, <c>sources.bin</c>, <c>reliability.bin</c>,
/// <c>flags.bin</c>; raw little-endian columns) and then <c>manifest.json</c>.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> The manifest is put only after every data object's put has completed (each put
/// is atomic and, for the local store, fsynced), so a segment whose write was interrupted has no
/// manifest and is invisible: readers load only segments with a manifest, and only those a shard
/// manifest names (see <see cref="ShardManifestStore"/>). <see cref="DeleteAsync"/> does the reverse:
/// manifest first, then the data objects.</para>
/// <para>A sealed segment is immutable: writing a segment number whose manifest already exists is
/// refused. One writer per shard is assumed (the shard's owner); the check is not a lock.</para>
/// </remarks>
public sealed class SegmentObjectWriter
{
    private readonly IObjectStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates a writer over <paramref name="store"/>; <paramref name="time"/> stamps manifests (the system clock if null).</summary>
    public SegmentObjectWriter(IObjectStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Writes <paramref name="segment"/> for <paramref name="shard"/>: data objects, then the manifest. Returns the manifest written.</summary>
    /// <exception cref="ArgumentException">The segment's columns disagree with its row count, or a number is out of range.</exception>
    /// <exception cref="InvalidOperationException">A segment with this number is already sealed in the store.</exception>
    public async Task<SegmentManifest> WriteAsync(ShardLocation shard, SealedSegmentData segment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(segment);
        segment.Validate();
        var prefix = shard.SegmentPrefix(segment.Number);
        var manifestKey = prefix + SegmentObjectNames.Manifest;
        if (await _store.ExistsAsync(manifestKey, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Segment {segment.Number} of {shard} is already sealed ('{manifestKey}' exists in {_store.Describe}); sealed segments are immutable.");
        }

        var contents = new (string Name, byte[] Bytes)[]
        {
            (SegmentObjectNames.Index, segment.Index),
            (SegmentObjectNames.Ids, Columns.Encode(segment.Ids)),
            (SegmentObjectNames.Labels, Columns.Encode(segment.Labels)),
            (SegmentObjectNames.Sources, Columns.Encode(segment.Sources)),
            (SegmentObjectNames.Reliability, Columns.Encode(segment.Reliability)),
            (SegmentObjectNames.Flags, (byte[])segment.Flags.Clone()),
        };
        var entries = contents
            .Select(c => new SegmentObjectEntry(c.Name, prefix + c.Name, c.Bytes.Length, ChecksummedJson.Sha256Hex(c.Bytes)))
            .ToList();
        // Data objects in parallel (they are independent); the manifest strictly after all of them.
        await Task.WhenAll(contents.Select(c => _store.PutAsync(prefix + c.Name, c.Bytes, cancellationToken))).ConfigureAwait(false);

        var manifest = new SegmentManifest(
            SegmentManifest.CurrentFormatVersion, segment.Number, segment.Dimension, segment.RowCount,
            _time.GetUtcNow(), entries);
        await _store.PutAsync(manifestKey, Serialize(manifest), cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>
    /// Deletes segment <paramref name="number"/> of <paramref name="shard"/>: the manifest first (so the
    /// segment stops being loadable at once), then every other object under its prefix. Call only once
    /// no durable shard manifest names the segment. Deleting a missing segment is not an error.
    /// </summary>
    public async Task DeleteAsync(ShardLocation shard, long number, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var prefix = shard.SegmentPrefix(number);
        await _store.DeleteAsync(prefix + SegmentObjectNames.Manifest, cancellationToken).ConfigureAwait(false);
        foreach (var item in await _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            await _store.DeleteAsync(item.Key, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static byte[] Serialize(SegmentManifest manifest) =>
        ChecksummedJson.Write(SegmentManifest.Kind, manifest.FormatVersion, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("segmentNumber", manifest.Number);
            writer.WriteNumber("dimension", manifest.Dimension);
            writer.WriteNumber("rowCount", manifest.RowCount);
            writer.WriteString("createdUtc", manifest.CreatedUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteStartArray("objects");
            foreach (var entry in manifest.Objects)
            {
                writer.WriteStartObject();
                writer.WriteString("name", entry.Name);
                writer.WriteNumber("size", entry.Size);
                writer.WriteString("sha256", entry.Sha256);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
}
