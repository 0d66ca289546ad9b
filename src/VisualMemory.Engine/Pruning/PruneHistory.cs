using VisualMemory.Core.Pruning;

namespace VisualMemory.Engine.Pruning;

/// <summary>
/// A memory's prune versions and the stack of applied states, so a user can run a job, inspect its
/// offenders, apply it (hard or soft) and roll back to whatever was in force before.
/// </summary>
/// <remarks>Thread-safe. Applying writes every shard's pruning columns through the owning memory.</remarks>
public sealed class PruneHistory
{
    private readonly Lock _gate = new();
    private readonly List<PruneVersion> _versions = [];
    private readonly Stack<AppliedPrune> _applied = new();

    /// <summary>Every version, oldest first.</summary>
    public IReadOnlyList<PruneVersion> Versions
    {
        get
        {
            lock (_gate)
            {
                return [.. _versions];
            }
        }
    }

    /// <summary>The state in force, or null when no prune is applied.</summary>
    public AppliedPrune? Applied
    {
        get
        {
            lock (_gate)
            {
                return _applied.TryPeek(out var top) ? top : null;
            }
        }
    }

    /// <summary>The pruning a query gets when it does not choose: the applied mode, or none.</summary>
    public PruningMode DefaultMode => Applied?.Mode ?? PruningMode.None;

    /// <summary>The next version number.</summary>
    public int NextVersion
    {
        get
        {
            lock (_gate)
            {
                return _versions.Count == 0 ? 1 : _versions[^1].Version + 1;
            }
        }
    }

    /// <summary>A version by number, or null.</summary>
    public PruneVersion? Find(int version)
    {
        lock (_gate)
        {
            return _versions.Find(v => v.Version == version);
        }
    }

    /// <summary>Adds a job's result under the next free version number (whatever number it was computed with) and returns it as stored.</summary>
    public PruneVersion AddNext(PruneVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            var numbered = version with { Version = _versions.Count == 0 ? 1 : _versions[^1].Version + 1 };
            _versions.Add(numbered);
            return numbered;
        }
    }

    /// <summary>Records a finished job's result.</summary>
    public void Add(PruneVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        lock (_gate)
        {
            if (_versions.Any(v => v.Version == version.Version))
            {
                throw new InvalidOperationException($"prune version {version.Version} already exists");
            }
            _versions.Add(version);
        }
    }

    /// <summary>Pushes an applied state; the caller has already written the shards' columns.</summary>
    internal void PushApplied(AppliedPrune applied)
    {
        lock (_gate)
        {
            _applied.Push(applied);
        }
    }

    /// <summary>Pops the state in force; returns the one now in force (or null), or throws if nothing was applied.</summary>
    internal AppliedPrune? PopApplied()
    {
        lock (_gate)
        {
            if (!_applied.TryPop(out _))
            {
                throw new InvalidOperationException("no prune is applied");
            }
            return _applied.TryPeek(out var top) ? top : null;
        }
    }

    /// <summary>Writes versions and the applied stack for a snapshot.</summary>
    internal void WriteTo(BinaryWriter writer)
    {
        lock (_gate)
        {
            writer.Write(_versions.Count);
            foreach (var v in _versions)
            {
                writer.Write(v.Version);
                writer.Write(v.CreatedAt.UtcTicks);
                var o = v.Options;
                writer.Write(o.K);
                writer.Write((int)o.EffectiveAggregation.Kind);
                writer.Write(o.EffectiveAggregation.Tau);
                writer.Write(o.EffectiveAggregation.Alpha);
                writer.Write(o.CountAllNeighbours);
                writer.Write(o.HardThreshold ?? 0);
                writer.Write(o.SoftC);
                writer.Write(o.SoftD);
                writer.Write(v.HardThreshold);
                writer.Write(v.MemorySize);
                writer.Write(v.Misclassified);
                writer.Write(v.Counts.Count);
                foreach (var (id, count) in v.Counts)
                {
                    writer.Write(id);
                    writer.Write(count);
                }
            }
            var applied = _applied.Reverse().ToList();
            writer.Write(applied.Count);
            foreach (var a in applied)
            {
                writer.Write(a.Version);
                writer.Write((int)a.Mode);
                writer.Write(a.AppliedAt.UtcTicks);
            }
        }
    }

    /// <summary>Restores what <see cref="WriteTo"/> wrote into this empty history.</summary>
    internal void ReadFrom(BinaryReader reader)
    {
        lock (_gate)
        {
            var versions = reader.ReadInt32();
            for (var i = 0; i < versions; i++)
            {
                var number = reader.ReadInt32();
                var created = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                var k = reader.ReadInt32();
                var aggregation = new Core.Aggregation.AggregationOptions((Core.Aggregation.AggregationKind)reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble());
                var all = reader.ReadBoolean();
                var explicitThreshold = reader.ReadInt32();
                var options = new PruneJobOptions(k, aggregation, all, explicitThreshold == 0 ? null : explicitThreshold, reader.ReadDouble(), reader.ReadDouble());
                var threshold = reader.ReadInt32();
                var size = reader.ReadInt64();
                var misclassified = reader.ReadInt64();
                var entries = reader.ReadInt32();
                var counts = new Dictionary<long, int>(entries);
                for (var c = 0; c < entries; c++)
                {
                    counts.Add(reader.ReadInt64(), reader.ReadInt32());
                }
                _versions.Add(new PruneVersion(number, created, options, threshold, size, misclassified, counts));
            }
            var applied = reader.ReadInt32();
            for (var i = 0; i < applied; i++)
            {
                _applied.Push(new AppliedPrune(reader.ReadInt32(), (PruningMode)reader.ReadInt32(), new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero)));
            }
        }
    }
}
