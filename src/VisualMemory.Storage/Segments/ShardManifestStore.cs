using System.Globalization;

namespace VisualMemory.Storage.Segments;

/// <summary>
/// Writes and reads a shard's manifest generations (<see cref="ShardManifest"/>), each a checksummed
/// JSON object of its own, so changing the shard's state is one atomic put of a new key and the
/// previous state stays intact until it is explicitly removed.
/// </summary>
/// <remarks>
/// <para><b>Safe order of operations</b> (every step may be interrupted; a restart sees either the old
/// state or the new one):</para>
/// <list type="number">
/// <item>Put the new segment's data objects (<see cref="SegmentObjectWriter"/>).</item>
/// <item>Put the segment's <c>manifest.json</c>. Before this the segment is invisible.</item>
/// <item>Put the next shard manifest generation naming the new set of segments and the log position
/// they cover. Before this the shard's state is the previous generation; the new sealed segment is
/// garbage that a later cleanup may remove.</item>
/// <item>Only then truncate the log before that position, delete segments no longer named, and delete
/// older generations (<see cref="DeleteGenerationsBeforeAsync"/>).</item>
/// </list>
/// <para><b>A corrupt newest generation is refused, not skipped.</b> Puts are atomic on both stores,
/// so a crash never leaves a partial manifest: a newest generation that fails its checksum is real
/// damage. Falling back to the previous generation could bring back segments (and so items) that an
/// acknowledged delete or unlearning request had removed, so <see cref="ReadLatestAsync"/> throws a
/// <see cref="CorruptShardManifestException"/> naming the key, and an operator decides.
/// <see cref="InspectAsync"/> reports every generation's state.</para>
/// <para>One writer per shard is assumed; <see cref="WriteAsync"/> refuses a generation that is not
/// higher than every stored one, which catches mistakes but is not a lock.</para>
/// </remarks>
public sealed class ShardManifestStore
{
    private readonly IObjectStore _store;

    /// <summary>Creates the store over <paramref name="store"/>.</summary>
    public ShardManifestStore(IObjectStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Writes <paramref name="manifest"/> as a new generation of <paramref name="shard"/>'s state.</summary>
    /// <exception cref="InvalidOperationException">A generation at least as high is already stored.</exception>
    public async Task WriteAsync(ShardLocation shard, ShardManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(manifest.Segments);
        ArgumentOutOfRangeException.ThrowIfNegative(manifest.LogPosition);
        for (var i = 0; i < manifest.Segments.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(manifest.Segments[i]);
            if (i > 0 && manifest.Segments[i] <= manifest.Segments[i - 1])
            {
                throw new ArgumentException("Segment numbers must be distinct and ascending.", nameof(manifest));
            }
        }
        var key = shard.ShardManifestKey(manifest.Generation);
        var existing = await ListGenerationsAsync(shard, cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0 && existing[^1] >= manifest.Generation)
        {
            throw new InvalidOperationException($"Cannot write generation {manifest.Generation} of {shard}'s manifest: generation {existing[^1]} is already stored; generations only grow.");
        }
        await _store.PutAsync(key, Serialize(manifest), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current state: the highest generation, verified; null when the shard has none yet.</summary>
    /// <exception cref="CorruptShardManifestException">The highest generation fails verification (never skipped; see the remarks).</exception>
    public async Task<ShardManifest?> ReadLatestAsync(ShardLocation shard, CancellationToken cancellationToken = default)
    {
        var generations = await ListGenerationsAsync(shard, cancellationToken).ConfigureAwait(false);
        return generations.Count == 0 ? null : await ReadAsync(shard, generations[^1], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads and verifies generation <paramref name="generation"/>.</summary>
    /// <exception cref="CorruptShardManifestException">It is missing, malformed, of an unknown version, fails its checksum or disagrees with its key.</exception>
    public async Task<ShardManifest> ReadAsync(ShardLocation shard, long generation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var key = shard.ShardManifestKey(generation);
        byte[] content;
        try
        {
            content = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new CorruptShardManifestException(key, CorruptionKind.MissingObject, $"missing object (not found in {_store.Describe})", e);
        }
        return Parse(content, key, generation);
    }

    /// <summary>The stored generation numbers of <paramref name="shard"/>, ascending.</summary>
    public async Task<IReadOnlyList<long>> ListGenerationsAsync(ShardLocation shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var prefix = shard.ShardManifestPrefix;
        var generations = new List<long>();
        foreach (var item in await _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = item.Key.AsSpan(prefix.Length);
            if (rest.EndsWith(".json", StringComparison.Ordinal)
                && long.TryParse(rest[..^".json".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
                && item.Key == shard.ShardManifestKey(generation))
            {
                generations.Add(generation);
            }
        }
        generations.Sort();
        return generations;
    }

    /// <summary>Every stored generation, newest last, each verified or with the reason it failed.</summary>
    public async Task<IReadOnlyList<ShardManifestGeneration>> InspectAsync(ShardLocation shard, CancellationToken cancellationToken = default)
    {
        var result = new List<ShardManifestGeneration>();
        foreach (var generation in await ListGenerationsAsync(shard, cancellationToken).ConfigureAwait(false))
        {
            var key = shard.ShardManifestKey(generation);
            try
            {
                result.Add(new(generation, key, await ReadAsync(shard, generation, cancellationToken).ConfigureAwait(false), null));
            }
            catch (CorruptShardManifestException e)
            {
                result.Add(new(generation, key, null, e));
            }
        }
        return result;
    }

    /// <summary>Deletes the generations below <paramref name="generation"/>; call once that generation is durable and verified.</summary>
    public async Task DeleteGenerationsBeforeAsync(ShardLocation shard, long generation, CancellationToken cancellationToken = default)
    {
        foreach (var old in await ListGenerationsAsync(shard, cancellationToken).ConfigureAwait(false))
        {
            if (old < generation)
            {
                await _store.DeleteAsync(shard.ShardManifestKey(old), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static byte[] Serialize(ShardManifest manifest) =>
        ChecksummedJson.Write(ShardManifest.Kind, ShardManifest.CurrentFormatVersion, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("generation", manifest.Generation);
            writer.WriteNumber("logPosition", manifest.LogPosition);
            writer.WriteString("createdUtc", manifest.CreatedUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            writer.WriteStartArray("segments");
            foreach (var segment in manifest.Segments)
            {
                writer.WriteNumberValue(segment);
            }
            writer.WriteEndArray();
            if (manifest.Origins is { Count: > 0 } origins)
            {
                // Ordinal order, so the same state always serialises to the same bytes.
                writer.WriteStartObject("origins");
                foreach (var (origin, rows) in origins.OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    writer.WriteNumber(origin, rows);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        });

    private static ShardManifest Parse(byte[] content, string key, long generation)
    {
        var (document, body, kind, problem) = ChecksummedJson.Read(content, ShardManifest.Kind, ShardManifest.CurrentFormatVersion, out _);
        if (problem is not null)
        {
            throw new CorruptShardManifestException(key, kind, problem);
        }
        using (document)
        {
            ShardManifest manifest;
            try
            {
                manifest = new ShardManifest(
                    body.GetProperty("generation").GetInt64(),
                    [.. body.GetProperty("segments").EnumerateArray().Select(s => s.GetInt64())],
                    body.GetProperty("logPosition").GetInt64(),
                    DateTimeOffset.Parse(SegmentObjectReader.Text(body, "createdUtc"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    body.TryGetProperty("origins", out var origins)
                        ? origins.EnumerateObject().ToDictionary(o => o.Name, o => o.Value.GetInt64(), StringComparer.Ordinal)
                        : null);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new CorruptShardManifestException(key, CorruptionKind.MalformedManifest, $"malformed manifest JSON (a field is missing or has the wrong type: {e.Message})", e);
            }
            if (manifest.Generation != generation)
            {
                throw new CorruptShardManifestException(key, CorruptionKind.Inconsistent, $"the manifest is generation {manifest.Generation} but is stored as generation {generation}");
            }
            if (manifest.Origins?.Values.Any(rows => rows < 0) == true)
            {
                throw new CorruptShardManifestException(key, CorruptionKind.Inconsistent, "an origin records a negative row count");
            }
            if (manifest.LogPosition < 0 || manifest.Segments.Where((s, i) => s < 0 || (i > 0 && s <= manifest.Segments[i - 1])).Any())
            {
                throw new CorruptShardManifestException(key, CorruptionKind.Inconsistent, "the log position is negative or the segment numbers are not distinct and ascending");
            }
            return manifest;
        }
    }
}
