namespace VisualMemory.Engine.Unlearning;

/// <summary>
/// The audit log of a memory's unlearning requests: what was asked, when, and how many items went.
/// Append-only; it outlives the items it describes by design.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class UnlearningLog
{
    private const int MaxSelectorIds = 50;
    private readonly Lock _gate = new();
    private readonly List<UnlearningRecord> _records = [];

    /// <summary>Every record, oldest first.</summary>
    public IReadOnlyList<UnlearningRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>Appends a record for a request that has just been carried out.</summary>
    public UnlearningRecord Append(UnlearningKind kind, string selector, long requested, long deleted)
    {
        ArgumentNullException.ThrowIfNull(selector);
        lock (_gate)
        {
            var record = new UnlearningRecord(_records.Count + 1, kind, selector, requested, deleted, DateTimeOffset.UtcNow);
            _records.Add(record);
            return record;
        }
    }

    /// <summary>The selector text of an id request: the ids, cut after a few with a count of the rest.</summary>
    public static string DescribeIds(IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var shown = string.Join(',', ids.Take(MaxSelectorIds));
        return ids.Count > MaxSelectorIds ? $"{shown},… ({ids.Count - MaxSelectorIds} more)" : shown;
    }

    internal void WriteTo(BinaryWriter writer)
    {
        lock (_gate)
        {
            writer.Write(_records.Count);
            foreach (var r in _records)
            {
                writer.Write((int)r.Kind);
                writer.Write(r.Selector);
                writer.Write(r.Requested);
                writer.Write(r.Deleted);
                writer.Write(r.At.UtcTicks);
            }
        }
    }

    internal void ReadFrom(BinaryReader reader)
    {
        lock (_gate)
        {
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                _records.Add(new UnlearningRecord(i + 1, (UnlearningKind)reader.ReadInt32(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64(),
                    new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero)));
            }
        }
    }
}
