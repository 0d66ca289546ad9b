using VisualMemory.Engine.Durability;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

// The durable lifecycle of a memory: create, open (load segments, replay logs), checkpoints,
// background maintenance, state saves and destruction. Everything here is a no-op or unavailable for
// a memory without storage.
public sealed partial class LocalMemory
{
    private readonly MemoryStorage? _storage;
    private readonly SemaphoreSlim _stateWrite = new(1, 1);
    private readonly List<FaissIndex> _retiredTemplates = [];

    /// <summary>True when the memory is backed by storage and survives restarts.</summary>
    public bool IsDurable => _storage is not null;

    /// <summary>
    /// Creates a durable memory: removes whatever an earlier memory of the same name left in
    /// storage, stores the definition and opens empty logs. The definition must already be valid.
    /// </summary>
    public static async Task<LocalMemory> CreateAsync(MemoryDefinition definition, MemorySettings settings, MemoryStorage storage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(storage);
        await storage.CreateAsync(definition, cancellationToken).ConfigureAwait(false);
        var memory = new LocalMemory(definition, settings, storage);
        try
        {
            await memory.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            return memory;
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a stored memory: definition, state and quantizer, then each shard's verified segments
    /// and the log records after them, replayed in order. Pruning columns are re-derived from the
    /// prune in force, and unlearning requests already covered by storage are marked forgotten.
    /// </summary>
    /// <exception cref="InvalidDataException">The definition, state or quantizer is damaged, or a log does not continue its shard's state.</exception>
    /// <exception cref="Storage.Segments.CorruptStoredObjectException">A manifest or segment is damaged.</exception>
    /// <exception cref="Storage.Log.WriteAheadLogCorruptException">A log is damaged other than a torn tail.</exception>
    public static async Task<LocalMemory> OpenAsync(string name, MemorySettings settings, MemoryStorage storage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var definition = await storage.ReadDefinitionAsync(name, cancellationToken).ConfigureAwait(false);
        var memory = new LocalMemory(definition, settings, storage);
        try
        {
            if (await storage.ReadStateAsync(name, cancellationToken).ConfigureAwait(false) is { } state)
            {
                using var reader = new BinaryReader(new MemoryStream(state));
                memory.ReadStateFrom(reader);
            }
            if (await storage.ReadQuantizerAsync(name, cancellationToken).ConfigureAwait(false) is { } quantizer)
            {
                memory._template = FaissIndex.Deserialize(quantizer);
            }
            foreach (var shard in memory._shards)
            {
                await shard.LoadAsync(payload => memory.Replay(shard, payload), cancellationToken).ConfigureAwait(false);
            }
            lock (memory.Pruning)
            {
                memory.WritePruningColumns(memory.Pruning.Applied is { } applied ? memory.Pruning.Find(applied.Version) : null);
            }
            if (memory.Unlearning.MarkForgotten(memory.CoveredPosition) > 0)
            {
                await memory.SaveStateAsync(cancellationToken).ConfigureAwait(false);
            }
            return memory;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or FaissException)
        {
            memory.Dispose();
            throw new InvalidDataException($"memory '{name}': unreadable stored state: {e.Message}", e);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>Storage figures: bytes in RAM and in object storage, segments and log length, summed over shards.</summary>
    public MemoryStorageStats StorageStats()
    {
        var shards = ShardStats();
        return new MemoryStorageStats(
            IsDurable,
            shards.Sum(s => s.RamBytes),
            shards.Sum(s => s.StoredSegmentBytes),
            shards.Sum(s => s.StoredSegments),
            shards.Sum(s => s.SealedSegments),
            shards.Sum(s => s.LogRecords),
            shards.Sum(s => s.LogBytes),
            Unlearning.PendingCount);
    }

    /// <summary>
    /// Checkpoints every shard that needs it: a growing segment past the seal threshold or older
    /// than <see cref="MemorySettings.SealMaxAgeSeconds"/>, deleted rows in stored segments past
    /// <see cref="MemorySettings.CompactionDeadRows"/>, a log past <see cref="MemorySettings.MaxLogBytes"/>,
    /// or an unlearning request not yet forgotten. Queries and writes continue meanwhile. Returns the
    /// number of shards checkpointed.
    /// </summary>
    public async Task<int> MaintainAsync(CancellationToken cancellationToken = default)
    {
        if (_storage is null)
        {
            return 0;
        }
        var done = 0;
        foreach (var shard in _shards)
        {
            var store = shard.Store!;
            var due = shard.GrowingRowCount >= _settings.SealThreshold
                || shard.GrowingAge.TotalSeconds >= _settings.SealMaxAgeSeconds
                || shard.DeadInStoredSegments >= _settings.CompactionDeadRows
                || store.Log.SizeBytes >= _settings.MaxLogBytes
                || Unlearning.PendingPosition(shard.Number) >= store.CoveredPosition && Unlearning.PendingPosition(shard.Number) > 0;
            if (due)
            {
                await CheckpointShardAsync(shard, TemplateForSealing, wait: true, cancellationToken).ConfigureAwait(false);
                done++;
            }
        }
        return done;
    }

    /// <summary>
    /// Checkpoints every shard now (seals what is growing, compacts, stores, truncates logs), so
    /// everything acknowledged is in object storage; a graceful stop does this.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        foreach (var shard in _shards)
        {
            await CheckpointShardAsync(shard, TemplateForSealing, wait: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Trains a new quantizer on a sample of the items as stored now (exact vectors where the memory
    /// still has them, decoded ones otherwise), stores it, re-encodes every sealed segment with it and
    /// checkpoints. The explicit counterpart of the one automatic training. Queries and writes continue
    /// meanwhile; checkpoints wait. Returns the rows re-encoded.
    /// </summary>
    /// <exception cref="FaissException">Training failed, e.g. too few vectors for the index's centroids.</exception>
    public Task<long> RetrainAsync(CancellationToken cancellationToken = default) =>
        InstallQuantizerAsync(RetrainingSample(), cancellationToken);

    // Trains a quantizer on preprocessed rows, stores it, puts it in force, re-encodes every sealed
    // segment with it and checkpoints. Returns the rows re-encoded.
    private async Task<long> InstallQuantizerAsync(float[] sample, CancellationToken cancellationToken)
    {
        var index = FaissIndex.Create(Definition.Dimension, Definition.Index);
        try
        {
            if (!index.IsTrained)
            {
                index.Train(sample);
            }
            if (_storage is not null)
            {
                await _storage.WriteQuantizerAsync(Definition.Name, index.Serialize(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            index.Dispose();
            throw;
        }
        ReplaceTemplate(index);
        long rows = 0;
        foreach (var shard in _shards)
        {
            rows += await shard.ReencodeAsync(index, cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _writeVersion);
        await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    // An even share from each shard of every live item's stored vector, up to the training sample size.
    private float[] RetrainingSample()
    {
        var perShard = Math.Max(1, _settings.TrainingSampleSize / _shards.Length);
        var d = Definition.Dimension;
        var sample = new List<float>();
        foreach (var shard in _shards)
        {
            var step = Math.Max(1, shard.Count / perShard);
            var seen = 0;
            var taken = 0;
            foreach (var batch in shard.LiveItems(4096))
            {
                for (var i = 0; i < batch.Ids.Count && taken < perShard; i++)
                {
                    if (seen++ % step == 0)
                    {
                        sample.AddRange(batch.Vectors.Span.Slice(i * d, d));
                        taken++;
                    }
                }
            }
        }
        return [.. sample];
    }

    /// <summary>Closes the memory and deletes everything it stored (objects and logs).</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken = default)
    {
        Dispose();
        if (_storage is not null)
        {
            await _storage.DeleteAsync(Definition.Name, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<int> CheckpointShardAsync(Shard shard, Func<FaissIndex> template, bool wait, CancellationToken cancellationToken = default) =>
        CheckpointShardAsync(shard, template, wait, null, cancellationToken);

    private async Task<int> CheckpointShardAsync(Shard shard, Func<FaissIndex> template, bool wait, EncodedSegment? attach, CancellationToken cancellationToken)
    {
        // Durable shards gain a segment per checkpoint, so they merge small ones; in-memory shards seal only when full.
        var merge = _storage is null || _settings.MergeSegments < 2 ? null : new SegmentMerge(_settings.MergeSegments, Math.Max(1, _settings.SealThreshold / 2), _settings.MaxSegmentBytes);
        var rows = await shard.CheckpointAsync(template, _storage is null ? null : () => SaveStateAsync(cancellationToken), wait, merge, attach, cancellationToken).ConfigureAwait(false);
        if (_storage is not null && Unlearning.MarkForgotten(CoveredPosition) > 0)
        {
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }
        return rows;
    }

    private long CoveredPosition(int shard) => _shards[shard].Store?.CoveredPosition ?? long.MaxValue;

    // Applies one log record during OpenAsync, without logging it again.
    private void Replay(Shard shard, byte[] payload)
    {
        var record = ShardLogRecord.Decode(payload, Definition.Dimension);
        if (record.Kind == ShardLogRecordKind.Delete)
        {
            shard.Delete(record.Ids, log: false);
            return;
        }
        var labels = record.Labels.Select(Labels.GetOrAdd).ToArray();
        var sources = record.Sources.Select(s => s is null ? -1 : Sources.GetOrAdd(s)).ToArray();
        shard.ReplayUpsert(record.Ids, labels, sources, record.Vectors);
    }

    private void SaveState() => SaveStateAsync().GetAwaiter().GetResult();

    // Serialised so the newest state is always the last one stored (vocabularies only grow, and
    // segments stored by a checkpoint reference labels by index).
    private async Task SaveStateAsync(CancellationToken cancellationToken = default)
    {
        if (_storage is null)
        {
            return;
        }
        await _stateWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                WriteStateTo(writer);
            }
            await _storage.WriteStateAsync(Definition.Name, buffer.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _stateWrite.Release();
        }
    }

    // A checkpoint may still be copying the old template: it is freed with the memory, not now.
    private void ReplaceTemplate(FaissIndex index)
    {
        lock (_trainingGate)
        {
            if (_template is not null)
            {
                _retiredTemplates.Add(_template);
            }
            _template = index;
        }
    }
}
