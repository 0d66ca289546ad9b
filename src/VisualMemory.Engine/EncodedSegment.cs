using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// One shard's rows of a bulk-load chunk, already encoded into a copy of the memory's trained
/// quantizer, waiting for a checkpoint of that shard to attach it (<see cref="Shard.CheckpointAsync"/>).
/// Encoding is the expensive part and happens before, without any shard lock or checkpoint gate, so
/// chunks encode in parallel with queries, writes and each other; attaching is cheap.
/// </summary>
/// <remarks>
/// Owns its index until attached; disposing one that was not attached frees it, disposing one that
/// was does nothing (the shard's segment owns the index then).
/// </remarks>
public sealed class EncodedSegment : IDisposable
{
    private FaissIndex? _index;

    /// <summary>Rows <c>r</c> = (ids[r], labels[r], sources[r]) stored in <paramref name="index"/> under id r.</summary>
    internal EncodedSegment(string origin, long[] ids, int[] labels, int[] sources, FaissIndex index)
    {
        Origin = origin;
        Ids = ids;
        Labels = labels;
        Sources = sources;
        _index = index;
    }

    /// <summary>The bulk-load origin (the caller's stable key for the chunk) the rows belong to.</summary>
    public string Origin { get; }

    /// <summary>Rows encoded.</summary>
    public int RowCount => Ids.Length;

    /// <summary>What attaching did, once a checkpoint has tried; null before.</summary>
    public ShardAttachment? Attachment { get; internal set; }

    internal long[] Ids { get; }

    internal int[] Labels { get; }

    internal int[] Sources { get; }

    /// <summary>Hands the index over to the segment that attaches it.</summary>
    internal FaissIndex TakeIndex()
    {
        var index = _index ?? throw new InvalidOperationException($"the rows of origin '{Origin}' were already attached or disposed");
        _index = null;
        return index;
    }

    /// <summary>Frees the index unless a shard took it.</summary>
    public void Dispose()
    {
        _index?.Dispose();
        _index = null;
    }
}
