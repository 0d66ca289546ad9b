using System.Globalization;

namespace VisualMemory.Storage.Segments;

/// <summary>
/// Where one shard of one memory keeps its objects: <c>memories/{memory}/shards/{shard}/</c>, with its
/// sealed segments under <c>segments/{number:D12}/</c> and its state in <c>manifest-{generation:D12}.json</c>.
/// </summary>
public sealed record ShardLocation
{
    /// <summary>Creates the location of shard <paramref name="shard"/> of memory <paramref name="memory"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="memory"/> is not usable as one key segment (see <see cref="ObjectKey"/>; no '/').</exception>
    public ShardLocation(string memory, int shard)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        if (memory.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Memory name '{memory}' may not contain '/'.", nameof(memory));
        }
        ObjectKey.Validate(memory, nameof(memory));
        Memory = memory;
        Shard = shard;
    }

    /// <summary>The memory's name.</summary>
    public string Memory { get; }

    /// <summary>The shard number.</summary>
    public int Shard { get; }

    /// <summary>The prefix of every object of this shard, ending in '/'.</summary>
    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"memories/{Memory}/shards/{Shard}/");

    /// <summary>The prefix of every segment of this shard, ending in '/'.</summary>
    public string SegmentsPrefix => Prefix + "segments/";

    /// <summary>The prefix of segment <paramref name="number"/>'s objects, ending in '/'.</summary>
    public string SegmentPrefix(long number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        return string.Create(CultureInfo.InvariantCulture, $"{SegmentsPrefix}{number:D12}/");
    }

    /// <summary>The key of segment <paramref name="number"/>'s manifest.</summary>
    public string SegmentManifestKey(long number) => SegmentPrefix(number) + SegmentObjectNames.Manifest;

    /// <summary>The prefix of the shard manifest generations.</summary>
    public string ShardManifestPrefix => Prefix + "manifest-";

    /// <summary>The key of shard manifest generation <paramref name="generation"/>.</summary>
    public string ShardManifestKey(long generation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        return string.Create(CultureInfo.InvariantCulture, $"{ShardManifestPrefix}{generation:D12}.json");
    }

    /// <inheritdoc />
    public override string ToString() => $"memory '{Memory}' shard {Shard}";
}
