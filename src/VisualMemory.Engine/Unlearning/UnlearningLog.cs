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

    // Sequence → per shard, the log position of the request's delete record (0: nothing to forget there).
    private readonly Dictionary<long, long[]> _pending = [];

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

    /// <summary>Requests whose items some stored object may still hold.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Appends a record for a request that has just been carried out. <paramref name="deletePositions"/>
    /// gives, per shard, the write-ahead-log position of its delete (0 where nothing was deleted or
    /// nothing is stored); the record is forgotten at once when there is none.
    /// </summary>
    public UnlearningRecord Append(UnlearningKind kind, string selector, long requested, long deleted, IReadOnlyList<long>? deletePositions = null)
    {
        ArgumentNullException.ThrowIfNull(selector);
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var waiting = deletePositions is not null && deletePositions.Any(p => p > 0);
            var record = new UnlearningRecord(_records.Count + 1, kind, selector, requested, deleted, now, waiting ? null : now);
            _records.Add(record);
            if (waiting)
            {
                _pending[record.Sequence] = [.. deletePositions!];
            }
            return record;
        }
    }

    /// <summary>The log position each shard's storage must cover before every pending request is forgotten (0: none).</summary>
    public long PendingPosition(int shard)
    {
        lock (_gate)
        {
            return _pending.Values.Select(p => shard < p.Length ? p[shard] : 0).DefaultIfEmpty(0).Max();
        }
    }

    /// <summary>
    /// Stamps <see cref="UnlearningRecord.ForgottenAt"/> on every pending request whose deletes every
    /// shard's storage now covers (<paramref name="coveredPosition"/> of a shard is past them). Returns
    /// how many were stamped.
    /// </summary>
    public int MarkForgotten(Func<int, long> coveredPosition)
    {
        ArgumentNullException.ThrowIfNull(coveredPosition);
        lock (_gate)
        {
            var done = _pending.Where(p => p.Value.Select((position, shard) => position == 0 || coveredPosition(shard) > position).All(b => b))
                .Select(p => p.Key).ToList();
            var now = DateTimeOffset.UtcNow;
            foreach (var sequence in done)
            {
                _pending.Remove(sequence);
                _records[(int)sequence - 1] = _records[(int)sequence - 1] with { ForgottenAt = now };
            }
            return done.Count;
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
                writer.Write(r.ForgottenAt?.UtcTicks ?? -1);
                var pending = _pending.GetValueOrDefault(r.Sequence) ?? [];
                writer.Write(pending.Length);
                foreach (var position in pending)
                {
                    writer.Write(position);
                }
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
                var record = new UnlearningRecord(i + 1, (UnlearningKind)reader.ReadInt32(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64(),
                    new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero));
                var forgotten = reader.ReadInt64();
                _records.Add(forgotten < 0 ? record : record with { ForgottenAt = new DateTimeOffset(forgotten, TimeSpan.Zero) });
                var pending = new long[reader.ReadInt32()];
                for (var s = 0; s < pending.Length; s++)
                {
                    pending[s] = reader.ReadInt64();
                }
                if (pending.Length > 0)
                {
                    _pending[record.Sequence] = pending;
                }
            }
        }
    }
}
