using System.Diagnostics;
using VisualMemory.Core.Diagnostics;
using VisualMemory.Engine.Metrics;
using VisualMemory.Core.Hierarchy;
using VisualMemory.Core.Labels;
using VisualMemory.Core.Linear;
using VisualMemory.Core.Pruning;
using VisualMemory.Engine.Hierarchy;
using VisualMemory.Engine.Pruning;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Core.Routing;
using VisualMemory.Core.Search;
using VisualMemory.Core.Vectors;
using VisualMemory.Engine.Durability;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>
/// A memory hosted in this process: its shards, its label vocabulary and the trained, empty index
/// every sealed segment is copied from (quantizers are trained once per memory, so all segments
/// share one coarse quantizer and codebook). Ids are routed to shards by <see cref="ShardRouter"/>;
/// searches fan out to every shard and merge.
/// </summary>
/// <remarks>
/// Thread-safe. With a <see cref="MemoryStorage"/> the memory is durable (see
/// LocalMemory.Persistence.cs): writes return once logged, and its state survives restarts.
/// </remarks>
public sealed partial class LocalMemory : IDisposable
{
    private readonly Shard[] _shards;
    private readonly MemorySettings _settings;
    private readonly Lock _trainingGate = new();
    private FaissIndex? _template;
    private FaissIndex? _exactTemplate;
    private long _writeVersion;
    private MemoryTaxonomy? _taxonomy;
    private LinearHead? _linearHead;

    /// <summary>Creates an empty memory that lives in this process only; the definition must already be valid.</summary>
    public LocalMemory(MemoryDefinition definition, MemorySettings settings) : this(definition, settings, null) { }

    // With storage, opens every shard's write-ahead log (creating empty ones); loading is OpenAsync's job.
    private LocalMemory(MemoryDefinition definition, MemorySettings settings, MemoryStorage? storage)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _storage = storage;
        var shards = new List<Shard>(definition.Shards);
        try
        {
            for (var i = 0; i < definition.Shards; i++)
            {
                shards.Add(new Shard(i, definition.Dimension, settings.TombstonePurgeThreshold, storage?.OpenShard(definition.Name, i)));
            }
        }
        catch
        {
            shards.ForEach(s => s.Dispose());
            throw;
        }
        _shards = [.. shards];
    }

    /// <summary>What this memory is.</summary>
    public MemoryDefinition Definition { get; }

    /// <summary>The labels seen so far.</summary>
    public LabelVocabulary Labels { get; } = new();

    /// <summary>The source tags seen so far (where items came from: a dataset, a licence).</summary>
    public LabelVocabulary Sources { get; } = new();

    /// <summary>Prune versions and the prune in force.</summary>
    public PruneHistory Pruning { get; } = new();

    /// <summary>The audit log of unlearning requests.</summary>
    public UnlearningLog Unlearning { get; } = new();

    /// <summary>The label taxonomy, or null when the memory has none.</summary>
    public MemoryTaxonomy? Taxonomy => Volatile.Read(ref _taxonomy);

    /// <summary>The linear head for JOINT-INF, or null when none was trained or loaded.</summary>
    public LinearHead? LinearHead => Volatile.Read(ref _linearHead);

    /// <summary>Grows with every write, so caches derived from the items know when they are stale.</summary>
    public long WriteVersion => Interlocked.Read(ref _writeVersion);

    /// <summary>Live items a search with <paramref name="pruning"/> (null: the applied prune's mode) can return.</summary>
    public long SearchableCount(PruningMode? pruning = null)
    {
        var mode = pruning ?? Pruning.DefaultMode;
        return _shards.Sum(s => s.SearchableCount(mode));
    }

    /// <summary>Live items across all shards.</summary>
    public long Count => _shards.Sum(s => (long)s.Count);

    /// <summary>True once the quantizer is trained (always true for indexes that need no training, once sealed).</summary>
    public bool IsTrained
    {
        get
        {
            lock (_trainingGate)
            {
                return _template is not null;
            }
        }
    }

    /// <summary>The message of the last automatic seal that failed (e.g. too few vectors to train), or null.</summary>
    public string? LastSealError { get; private set; }

    /// <summary>Per-shard counts.</summary>
    public IReadOnlyList<ShardStats> ShardStats() => [.. _shards.Select(s => s.Stats())];

    /// <summary>Like <see cref="UpsertAsync"/>, waiting for it.</summary>
    public void Upsert(IReadOnlyList<long> ids, IReadOnlyList<string> labels, ReadOnlySpan<float> vectors, IReadOnlyList<string?>? sources = null) =>
        UpsertAsync(ids, labels, vectors.ToArray(), sources).GetAwaiter().GetResult();

    /// <summary>
    /// Adds or replaces items. <paramref name="vectors"/> holds one row per id; rows are validated
    /// by the caller (<see cref="VectorCheck"/>) and L2-normalised here on a copy. The items are
    /// searchable when this returns and the task completes once they are durable (logged); shards
    /// whose growing segment passes the seal threshold are sealed before it completes.
    /// </summary>
    /// <param name="ids">Item ids.</param>
    /// <param name="labels">Label of each item; new labels join the vocabulary.</param>
    /// <param name="vectors">One row per item.</param>
    /// <param name="sources">Source tag of each item (null entries for none), or null when no item has one.</param>
    public Task UpsertAsync(IReadOnlyList<long> ids, IReadOnlyList<string> labels, ReadOnlyMemory<float> vectors, IReadOnlyList<string?>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(labels);
        var d = Definition.Dimension;
        if (labels.Count != ids.Count || vectors.Length != ids.Count * d || (sources is not null && sources.Count != ids.Count))
        {
            throw new ArgumentException("ids, labels, sources and vectors disagree in count");
        }
        var normalised = Preprocess(vectors.Span);
        var labelIndexes = labels.Select(Labels.GetOrAdd).ToArray();
        int[] sourceIndexes = sources is null
            ? [.. Enumerable.Repeat(-1, ids.Count)]
            : [.. sources.Select(s => s is null ? -1 : Sources.GetOrAdd(s))];

        // Group rows by owning shard so each shard takes its write lock once per request.
        var byShard = new List<int>[_shards.Length];
        var durable = new List<Task<long>>();
        for (var i = 0; i < ids.Count; i++)
        {
            (byShard[ShardRouter.ShardOf(ids[i], _shards.Length)] ??= []).Add(i);
        }
        for (var s = 0; s < _shards.Length; s++)
        {
            if (byShard[s] is not { } rows)
            {
                continue;
            }
            var shardIds = new long[rows.Count];
            var shardLabels = new int[rows.Count];
            var shardSources = new int[rows.Count];
            var shardVectors = new float[rows.Count * d];
            for (var j = 0; j < rows.Count; j++)
            {
                shardIds[j] = ids[rows[j]];
                shardLabels[j] = labelIndexes[rows[j]];
                shardSources[j] = sourceIndexes[rows[j]];
                normalised.AsSpan(rows[j] * d, d).CopyTo(shardVectors.AsSpan(j * d, d));
            }
            var record = _storage is null ? null : ShardLogRecord.EncodeUpsert(shardIds, shardLabels, shardSources, shardVectors, d, i => Labels[i], i => Sources[i]);
            durable.Add(_shards[s].Upsert(shardIds, shardLabels, shardSources, shardVectors, record));
        }
        Interlocked.Increment(ref _writeVersion);
        return FinishUpsertAsync(durable);
    }

    private async Task FinishUpsertAsync(List<Task<long>> durable)
    {
        await Task.WhenAll(durable).ConfigureAwait(false);
        await SealFullShardsAsync().ConfigureAwait(false);
    }

    /// <summary>Deletes an item; false if it is not stored. Returns once the delete is durable. Not audited: see <see cref="Unlearn(UnlearningKind, string?, IReadOnlyList{long}?)"/>.</summary>
    public bool Delete(long id)
    {
        var (deleted, durable) = ShardOf(id).Delete([id]);
        Interlocked.Increment(ref _writeVersion);
        durable.GetAwaiter().GetResult();
        return deleted.Count > 0;
    }

    /// <summary>Deletes every item with the label; returns the deleted ids. Not audited: see <see cref="Unlearn(UnlearningKind, string?, IReadOnlyList{long}?)"/>.</summary>
    public IReadOnlyList<long> DeleteLabel(string label) =>
        Labels.TryGetIndex(label, out var index) ? DeleteWhere((l, _) => l == index).Deleted : [];

    /// <summary>Deletes every item with the source tag; returns the deleted ids. Not audited: see <see cref="Unlearn(UnlearningKind, string?, IReadOnlyList{long}?)"/>.</summary>
    public IReadOnlyList<long> DeleteSource(string source) =>
        Sources.TryGetIndex(source, out var index) ? DeleteWhere((_, s) => s == index).Deleted : [];

    /// <summary>
    /// Carries out an unlearning request and records it in <see cref="Unlearning"/>. When this
    /// returns, no search returns the deleted items.
    /// </summary>
    /// <param name="kind">What <paramref name="selector"/> or <paramref name="ids"/> select by.</param>
    /// <param name="selector">The source tag or label; ignored for id requests.</param>
    /// <param name="ids">The ids for id requests.</param>
    /// <remarks>
    /// The record is durable before this returns. Its <see cref="UnlearningRecord.ForgottenAt"/> is
    /// set once no stored object holds the items: at once for a memory without storage, after the
    /// next checkpoint of each shard concerned otherwise (see <see cref="MaintainAsync"/>).
    /// </remarks>
    public UnlearningRecord Unlearn(UnlearningKind kind, string? selector, IReadOnlyList<long>? ids = null) =>
        Unlearn(kind, selector, ids, out _);

    /// <summary>Like <see cref="Unlearn(UnlearningKind, string?, IReadOnlyList{long}?)"/>, also giving the ids that were deleted (what a shard's primary forwards to its replicas).</summary>
    public UnlearningRecord Unlearn(UnlearningKind kind, string? selector, IReadOnlyList<long>? ids, out IReadOnlyList<long> deleted)
    {
        long[] positions;
        switch (kind)
        {
            case UnlearningKind.Ids:
                ArgumentNullException.ThrowIfNull(ids);
                (deleted, positions) = DeleteIds(ids);
                selector = UnlearningLog.DescribeIds(ids);
                break;
            case UnlearningKind.Source:
                ArgumentNullException.ThrowIfNull(selector);
                (deleted, positions) = Sources.TryGetIndex(selector, out var source) ? DeleteWhere((_, s) => s == source) : ([], []);
                break;
            case UnlearningKind.Label:
                ArgumentNullException.ThrowIfNull(selector);
                (deleted, positions) = Labels.TryGetIndex(selector, out var label) ? DeleteWhere((l, _) => l == label) : ([], []);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown unlearning kind");
        }
        var record = Unlearning.Append(kind, selector, kind == UnlearningKind.Ids ? ids!.Count : 1, deleted.Count, positions);
        SaveState();
        return record;
    }

    /// <summary>
    /// Carries out an unlearning request another replica already resolved to <paramref name="ids"/>
    /// (a label or source request, resolved by the shard's primary), recording it under its own kind and
    /// selector, so every replica deletes exactly the same items even if its rows differ in flight.
    /// </summary>
    public UnlearningRecord UnlearnResolved(UnlearningKind kind, string selector, IReadOnlyList<long> ids)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(ids);
        var (deleted, positions) = DeleteIds(ids);
        var record = Unlearning.Append(kind, kind == UnlearningKind.Ids ? UnlearningLog.DescribeIds(ids) : selector, kind == UnlearningKind.Ids ? ids.Count : 1, deleted.Count, positions);
        SaveState();
        return record;
    }

    private (IReadOnlyList<long> Deleted, long[] Positions) DeleteIds(IReadOnlyList<long> ids)
    {
        var byShard = ids.Distinct().GroupBy(id => ShardRouter.ShardOf(id, _shards.Length));
        var results = byShard.Select(g => (Shard: g.Key, Result: _shards[g.Key].Delete([.. g]))).ToList();
        return Finish(results);
    }

    private (IReadOnlyList<long> Deleted, long[] Positions) DeleteWhere(Func<int, int, bool> match) =>
        Finish([.. _shards.Select(s => (s.Number, s.DeleteWhere(match)))]);

    // Waits until every shard's delete is durable; positions per shard tell when it is forgotten.
    private (IReadOnlyList<long> Deleted, long[] Positions) Finish(List<(int Shard, (IReadOnlyList<long> Deleted, Task<long> Durable) Result)> results)
    {
        Interlocked.Increment(ref _writeVersion);
        var positions = new long[_shards.Length];
        foreach (var (shard, (_, durable)) in results)
        {
            positions[shard] = durable.GetAwaiter().GetResult();
        }
        return ([.. results.SelectMany(r => r.Result.Deleted)], positions);
    }

    /// <summary>
    /// The stored vector of a live item as the index holds it (centred and normalised; decoded,
    /// so approximate, for PQ), or null.
    /// </summary>
    public float[]? VectorOf(long id) => ShardOf(id).VectorOf(id);

    /// <summary>Runs a pruning job (<see cref="PruneJob"/>) and records its result as a new version; nothing is applied.</summary>
    public PruneVersion RunPruneJob(PruneJobOptions options, CancellationToken cancellationToken = default)
    {
        // The job (a leave-one-out query of every item) runs without the pruning lock, so applying or
        // rolling back prunes is not blocked for its duration; its number is assigned when it is stored.
        var version = Pruning.AddNext(PruneJob.Run(this, options, Pruning.NextVersion, cancellationToken));
        SaveState();
        return version;
    }

    /// <summary>
    /// Puts a prune version in force: each live sample gets γ(v) and its hard-pruned flag, and
    /// queries that do not choose get <paramref name="mode"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such version.</exception>
    public AppliedPrune ApplyPrune(int version, PruningMode mode)
    {
        if (mode == PruningMode.None)
        {
            throw new ArgumentException("apply a prune as hard or soft; roll back to stop pruning", nameof(mode));
        }
        lock (Pruning)
        {
            var found = Pruning.Find(version) ?? throw new KeyNotFoundException($"prune version {version} does not exist");
            WritePruningColumns(found);
            var applied = new AppliedPrune(version, mode, DateTimeOffset.UtcNow);
            Pruning.PushApplied(applied);
            SaveState();
            return applied;
        }
    }

    /// <summary>Undoes the latest apply; returns the state now in force (null: no pruning).</summary>
    /// <exception cref="InvalidOperationException">Nothing is applied.</exception>
    public AppliedPrune? RollbackPrune()
    {
        lock (Pruning)
        {
            var now = Pruning.PopApplied();
            WritePruningColumns(now is null ? null : Pruning.Find(now.Version));
            SaveState();
            return now;
        }
    }

    private void WritePruningColumns(PruneVersion? version)
    {
        if (version is null)
        {
            foreach (var shard in _shards)
            {
                shard.ApplyPruning(_ => (1f, false));
            }
            return;
        }
        var soft = new SoftPruning(version.Options.SoftC, version.Options.SoftD);
        foreach (var shard in _shards)
        {
            shard.ApplyPruning(id => version.Counts.TryGetValue(id, out var v) ? ((float)soft.Gamma(v), v >= version.HardThreshold) : (1f, false));
        }
    }

    /// <summary>Sets (or with null, removes) the label taxonomy.</summary>
    /// <exception cref="ArgumentException">The taxonomy is malformed (cycle, empty names); the message says how.</exception>
    public void SetTaxonomy(IReadOnlyDictionary<string, string?>? parentOf)
    {
        Volatile.Write(ref _taxonomy, parentOf is null ? null : new MemoryTaxonomy(parentOf));
        SaveState();
    }

    /// <summary>
    /// Pairwise distances among each taxonomy node's own examples, the reference distribution of the
    /// KS descent. Cached until the next write.
    /// </summary>
    public IReadOnlyDictionary<string, double[]> WithinNodeDistances() =>
        Taxonomy is { } taxonomy ? taxonomy.References(this) : new Dictionary<string, double[]>();

    /// <summary>
    /// Trains the JOINT-INF linear head on every live item (vectors as stored) and puts it in force.
    /// Meant for memories up to a few hundred thousand items: all vectors are held in memory at once.
    /// </summary>
    public LogisticRegressionFit TrainLinearHead(LogisticRegressionOptions options, CancellationToken cancellationToken = default)
    {
        var (ids, labels, vectors) = AllItems();
        if (ids.Count == 0)
        {
            throw new InvalidOperationException("the memory is empty; there is nothing to train on");
        }
        var fit = LogisticRegression.Train(vectors, [.. labels], Definition.Dimension, Labels.Count, options, cancellationToken);
        Volatile.Write(ref _linearHead, fit.Head);
        SaveState();
        return fit;
    }

    /// <summary>Puts a trained or loaded head in force, or with null removes it.</summary>
    /// <exception cref="ArgumentException">Its dimension differs from the memory's, or it has more classes than the memory has labels.</exception>
    public void SetLinearHead(LinearHead? head)
    {
        if (head is not null && (head.Dimension != Definition.Dimension || head.Classes > Labels.Count))
        {
            throw new ArgumentException($"the head is {head.Classes} classes x {head.Dimension} dimensions; the memory has {Labels.Count} labels and dimension {Definition.Dimension}");
        }
        Volatile.Write(ref _linearHead, head);
        SaveState();
    }

    /// <summary>Every live item with its stored vector, shard by shard.</summary>
    internal (List<long> Ids, List<int> Labels, float[] Vectors) AllItems()
    {
        var ids = new List<long>();
        var labels = new List<int>();
        var vectors = new List<float>();
        foreach (var shard in _shards)
        {
            foreach (var batch in shard.LiveItems(4096))
            {
                ids.AddRange(batch.Ids);
                labels.AddRange(batch.Labels);
                vectors.AddRange(batch.Vectors.Span);
            }
        }
        return (ids, labels, [.. vectors]);
    }

    /// <summary>The label of a live item, or null.</summary>
    public string? LabelOf(long id) => TryGetItem(id, out var item) ? Labels[item.Label] : null;

    /// <summary>What is stored about a live item (label and source as vocabulary indexes).</summary>
    public bool TryGetItem(long id, out StoredItem item) => ShardOf(id).TryGetItem(id, out item);

    /// <summary>The source tag of a stored item, or null when it has none.</summary>
    public string? SourceName(in StoredItem item) => item.Source < 0 ? null : Sources[item.Source];

    /// <summary>The shards, for jobs that iterate the memory shard by shard (pruning).</summary>
    internal IReadOnlyList<Shard> Shards => _shards;

    private Shard ShardOf(long id) => _shards[ShardRouter.ShardOf(id, _shards.Length)];

    /// <summary>
    /// The <paramref name="k"/> nearest items of each query row across all shards, in
    /// <see cref="NeighborOrder"/>. Query rows are normalised here on a copy.
    /// </summary>
    /// <param name="queries">Query rows, validated by the caller.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="nprobe">IVF lists to visit; null uses the memory's default.</param>
    /// <param name="pruning">How samples marked by the applied prune are treated; null uses the applied prune's mode.</param>
    public Neighbor[][] Search(ReadOnlySpan<float> queries, int k, int? nprobe = null, PruningMode? pruning = null)
    {
        var d = Definition.Dimension;
        if (queries.Length == 0 || queries.Length % d != 0)
        {
            throw new ArgumentException($"queries must be a non-empty multiple of the dimension {d}", nameof(queries));
        }
        return SearchNormalised(Preprocess(queries), k, nprobe, pruning);
    }

    /// <summary>
    /// Query rows as the memory compares them: minus <see cref="MemoryDefinition.Center"/> when
    /// set, then L2-normalised. Returns a copy.
    /// </summary>
    public float[] Preprocess(ReadOnlySpan<float> rows) => Definition.Preprocess(rows);

    /// <summary>Like <see cref="Search"/> for rows already preprocessed (<see cref="Preprocess"/>).</summary>
    public Neighbor[][] SearchNormalised(ReadOnlySpan<float> normalised, int k, int? nprobe = null, PruningMode? pruning = null) =>
        SearchShards(normalised, k, nprobe, pruning, null);

    /// <summary>
    /// Like <see cref="SearchNormalised"/> over some shards only: what a shard host answers for the
    /// shards a coordinator asks it for (the coordinator merges hosts' answers the same way).
    /// </summary>
    /// <param name="normalised">Preprocessed query rows.</param>
    /// <param name="k">Neighbours per query.</param>
    /// <param name="nprobe">IVF lists to visit; null uses the memory's default.</param>
    /// <param name="pruning">Pruning mode; null uses the applied prune's mode.</param>
    /// <param name="shards">Shard numbers to search; null searches every shard.</param>
    /// <exception cref="ArgumentOutOfRangeException">A shard number is not one of this memory's.</exception>
    public Neighbor[][] SearchShards(ReadOnlySpan<float> normalised, int k, int? nprobe, PruningMode? pruning, IReadOnlyList<int>? shards)
    {
        var d = Definition.Dimension;
        var mode = pruning ?? Pruning.DefaultMode;
        var probe = nprobe ?? Definition.NProbe;
        var searched = shards ?? [.. Enumerable.Range(0, _shards.Length)];
        foreach (var shard in searched)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(shard, nameof(shards));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, _shards.Length, nameof(shards));
        }
        var perShard = new Neighbor[searched.Count][][];
        var searchStart = Stopwatch.GetTimestamp();
        var assigned = AssignCoarse(normalised, probe);
        for (var s = 0; s < searched.Count; s++)
        {
            var shardStart = Stopwatch.GetTimestamp();
            perShard[s] = _shards[searched[s]].Search(normalised, k, probe, mode, assigned);
            if (EngineMetrics.ShardSearchDuration.Enabled)
            {
                EngineMetrics.ShardSearchDuration.Record(Stopwatch.GetElapsedTime(shardStart).TotalSeconds,
                    new KeyValuePair<string, object?>("memory", Definition.Name), new KeyValuePair<string, object?>("shard", ShardLabel(searched[s])));
            }
        }
        StageTiming.Record("shard_search", searchStart);
        var mergeStart = Stopwatch.GetTimestamp();
        var nq = normalised.Length / d;
        var merged = new Neighbor[nq][];
        var lists = new IReadOnlyList<Neighbor>[searched.Count];
        for (var q = 0; q < nq; q++)
        {
            for (var s = 0; s < searched.Count; s++)
            {
                lists[s] = perShard[s][q];
            }
            merged[q] = TopKMerger.Merge(lists, k);
        }
        StageTiming.Record("merge", mergeStart);
        return merged;
    }

    /// <summary>
    /// The shard number as metrics label it: a replica's one-shard memory reports the cluster's shard number
    /// (<see cref="MetricsShardOffset"/>), so a shard host's series name the shard operators know.
    /// </summary>
    private string ShardLabel(int shard) => (shard + MetricsShardOffset).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Added to local shard numbers in metric labels; a hosted replica sets its cluster shard number.</summary>
    public int MetricsShardOffset { get; set; }

    /// <summary>
    /// Seals every shard's growing segment now, training the quantizer first if it is not trained.
    /// Returns the number of rows sealed.
    /// </summary>
    /// <exception cref="FaissException">Training or encoding failed, e.g. too few vectors for the index's centroids.</exception>
    public long Seal()
    {
        var template = TrainedTemplate();
        long rows = 0;
        foreach (var shard in _shards)
        {
            rows += CheckpointShardAsync(shard, () => template, wait: true).GetAwaiter().GetResult();
        }
        return rows;
    }

    /// <summary>
    /// Writes what the memory knows besides its items: vocabularies, prunes, the unlearning audit,
    /// taxonomy and linear head. The items live in the shards' segments and logs.
    /// </summary>
    private void WriteStateTo(BinaryWriter writer)
    {
        foreach (var vocabulary in new[] { Labels, Sources })
        {
            var names = vocabulary.ToList();
            writer.Write(names.Count);
            foreach (var name in names)
            {
                writer.Write(name);
            }
        }
        Pruning.WriteTo(writer);
        Unlearning.WriteTo(writer);
        var taxonomy = Taxonomy?.ParentOf;
        writer.Write(taxonomy?.Count ?? -1);
        foreach (var (child, parent) in taxonomy ?? new Dictionary<string, string?>())
        {
            writer.Write(child);
            writer.Write(parent is not null);
            writer.Write(parent ?? "");
        }
        var head = LinearHead?.Serialize() ?? [];
        writer.Write(head.Length);
        writer.Write(head);
    }

    /// <summary>Restores what <see cref="WriteStateTo"/> wrote into this new, empty memory.</summary>
    private void ReadStateFrom(BinaryReader reader)
    {
        foreach (var vocabulary in new[] { Labels, Sources })
        {
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                vocabulary.GetOrAdd(reader.ReadString());
            }
        }
        Pruning.ReadFrom(reader);
        Unlearning.ReadFrom(reader);
        var taxonomySize = reader.ReadInt32();
        if (taxonomySize >= 0)
        {
            var parentOf = new Dictionary<string, string?>(taxonomySize);
            for (var i = 0; i < taxonomySize; i++)
            {
                var child = reader.ReadString();
                var hasParent = reader.ReadBoolean();
                var parent = reader.ReadString();
                parentOf[child] = hasParent ? parent : null;
            }
            Volatile.Write(ref _taxonomy, new MemoryTaxonomy(parentOf));
        }
        var head = reader.ReadBytes(reader.ReadInt32());
        if (head.Length > 0)
        {
            _linearHead = Core.Linear.LinearHead.Deserialize(head);
        }
    }

    /// <summary>Frees all native indexes.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
        lock (_trainingGate)
        {
            _template?.Dispose();
            _exactTemplate?.Dispose();
            _retiredTemplates.ForEach(t => t.Dispose());
        }
        _stateWrite.Dispose();
    }

    private async Task SealFullShardsAsync()
    {
        var full = _shards.Where(s => s.GrowingRowCount >= _settings.SealThreshold).ToList();
        try
        {
            foreach (var shard in full)
            {
                await CheckpointShardAsync(shard, TemplateForSealing, wait: false).ConfigureAwait(false);
            }
        }
        catch (FaissException e)
        {
            // The write itself succeeded and stays searchable in the growing segment; the failure
            // is reported through the memory's stats instead of failing the caller's insert.
            LastSealError = e.Message;
        }
    }

    // Every sealed IVF segment of every shard is a copy of the trained template, so the template's quantizer
    // assigns each query's lists once for all of them; otherwise each segment repeats that work (≈ 0.8 ms a
    // segment at IVF1024, d = 768), which dominated query latency with many segments.
    private CoarseAssignment? AssignCoarse(ReadOnlySpan<float> normalised, int nprobe)
    {
        var template = Volatile.Read(ref _template);
        if (!_settings.ShareCoarseAssignment || template is null || template.CoarseFingerprint == 0 || nprobe < 1 || normalised.IsEmpty)
        {
            return null;
        }
        return template.AssignCoarse(normalised, nprobe);
    }

    private FaissIndex TemplateForSealing()
    {
        try
        {
            var template = TrainedTemplate();
            LastSealError = null;
            return template;
        }
        catch (FaissException e) when (_storage is not null)
        {
            // A durable memory must still be able to checkpoint (truncate its log, forget unlearned
            // items) before it has enough vectors to train: it seals exact Flat segments meanwhile.
            LastSealError = $"{e.Message} (sealed as exact Flat segments until the quantizer can be trained)";
            lock (_trainingGate)
            {
                return _exactTemplate ??= FaissIndex.Create(Definition.Dimension, "Flat");
            }
        }
    }

    private FaissIndex TrainedTemplate()
    {
        lock (_trainingGate)
        {
            if (_template is not null)
            {
                return _template;
            }
            var index = FaissIndex.Create(Definition.Dimension, Definition.Index);
            try
            {
                if (!index.IsTrained)
                {
                    index.Train(TrainingSample());
                }
                // Stored before any segment copied from it, so a restart keeps sealing with the same quantizer.
                _storage?.WriteQuantizerAsync(Definition.Name, index.Serialize()).GetAwaiter().GetResult();
            }
            catch
            {
                index.Dispose();
                throw;
            }
            _template = index;
            return index;
        }
    }

    // An even share of the sample from each shard, so the quantizer sees the whole memory.
    private float[] TrainingSample()
    {
        var perShard = Math.Max(1, _settings.TrainingSampleSize / _shards.Length);
        return [.. _shards.SelectMany(s => s.SampleExactRows(perShard))];
    }
}
