using VisualMemory.Core.Routing;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

// Bulk loading: chunks of rows encoded straight into sealed segments and registered by a checkpoint,
// bypassing the write-ahead log; and training the quantizer from a caller's sample beforehand.
public sealed partial class LocalMemory
{
    /// <summary>
    /// True while the memory's index needs a trained quantizer (IVF, PQ) and has none, so a bulk load must
    /// call <see cref="TrainQuantizerAsync"/> first; false for indexes that need no training (Flat).
    /// </summary>
    public bool NeedsTraining
    {
        get
        {
            if (IsTrained)
            {
                return false;
            }
            using var probe = FaissIndex.Create(Definition.Dimension, Definition.Index);
            return !probe.IsTrained;
        }
    }

    /// <summary>
    /// Trains the memory's quantizer (IVF centroids, PQ codebooks) on <paramref name="sample"/> (raw
    /// rows, preprocessed here like items), stores it (<c>quantizer.faiss</c>) and puts it in force, so
    /// that <see cref="BulkLoadAsync"/> can encode with it. Meant for a bulk job that samples its first
    /// parts (up to <see cref="MemorySettings.TrainingSampleSize"/> rows is what the automatic training
    /// uses). An index that needs no training (Flat) just gets its empty template stored. With
    /// <paramref name="retrain"/>, sealed segments are re-encoded with the new quantizer and the memory
    /// checkpoints, as <see cref="RetrainAsync"/> does. Do not run it while bulk loads are encoding:
    /// a chunk encoded with the old quantizer and attached afterwards would keep the old codes.
    /// </summary>
    /// <param name="sample">Training rows, one per <see cref="MemoryDefinition.Dimension"/> floats, validated by the caller.</param>
    /// <param name="retrain">Replace a quantizer that sealed segments were already encoded with (and re-encode them).</param>
    /// <param name="cancellationToken">Cancels storing and re-encoding.</param>
    /// <returns>Rows re-encoded (0 unless <paramref name="retrain"/> found sealed segments).</returns>
    /// <exception cref="InvalidOperationException">The memory already has a quantizer and sealed segments encoded with it, and <paramref name="retrain"/> is false.</exception>
    /// <exception cref="FaissException">Training failed, e.g. fewer rows than the index has centroids.</exception>
    public async Task<long> TrainQuantizerAsync(ReadOnlyMemory<float> sample, bool retrain = false, CancellationToken cancellationToken = default)
    {
        var d = Definition.Dimension;
        if (sample.Length == 0 || sample.Length % d != 0)
        {
            throw new ArgumentException($"the sample must be a non-empty multiple of the dimension {d}", nameof(sample));
        }
        var sealedSegments = _shards.Sum(s => s.Stats().SealedSegments);
        if (IsTrained && sealedSegments > 0 && !retrain)
        {
            throw new InvalidOperationException(
                $"memory '{Definition.Name}' already has a trained quantizer and {sealedSegments} sealed segments encoded with it; " +
                "ask to retrain to replace it and re-encode them");
        }
        return await InstallQuantizerAsync(Definition.Preprocess(sample.Span), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a quantizer trained elsewhere in force (a serialized, trained index of this memory's index
    /// description), storing it as <c>quantizer.faiss</c> like <see cref="TrainQuantizerAsync"/>, so that
    /// every replica of every shard of a distributed memory encodes bulk loads with the same one. The same
    /// quantizer again is a no-op (a replayed write).
    /// </summary>
    /// <param name="quantizer">The serialized trained index.</param>
    /// <param name="keepExisting">When the memory already has a quantizer, keep it (whichever it is) instead of replacing it.</param>
    /// <param name="cancellationToken">Cancels storing.</param>
    /// <returns>The serialized quantizer in force afterwards.</returns>
    /// <exception cref="ArgumentException">Not a trained index of this memory's dimension.</exception>
    /// <exception cref="InvalidOperationException">Sealed segments are encoded with another quantizer.</exception>
    public async Task<byte[]> SetQuantizerAsync(ReadOnlyMemory<byte> quantizer, bool keepExisting = false, CancellationToken cancellationToken = default)
    {
        byte[]? current;
        lock (_trainingGate)
        {
            current = _template?.Serialize();
        }
        if (current is not null && (keepExisting || current.AsSpan().SequenceEqual(quantizer.Span)))
        {
            return current;
        }
        var index = FaissIndex.Deserialize(quantizer.Span);
        try
        {
            if (!index.IsTrained || index.Dimension != Definition.Dimension)
            {
                throw new ArgumentException($"the quantizer must be a trained {Definition.Dimension}-dimensional index", nameof(quantizer));
            }
            // Codes of sealed segments only mean something with the quantizer that wrote them.
            var sealedSegments = _shards.Sum(s => s.Stats().SealedSegments);
            if (sealedSegments > 0)
            {
                throw new InvalidOperationException(
                    $"memory '{Definition.Name}' holds {sealedSegments} sealed segments encoded with another quantizer; it cannot take this one");
            }
            if (_storage is not null)
            {
                await _storage.WriteQuantizerAsync(Definition.Name, quantizer.ToArray(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            index.Dispose();
            throw;
        }
        ReplaceTemplate(index);
        return quantizer.ToArray();
    }

    /// <summary>
    /// Loads a chunk of rows without the write-ahead log: they are preprocessed (centred, L2-normalised),
    /// routed to shards by id, encoded per shard into a copy of the trained quantizer (no lock held, so
    /// chunks encode in parallel with queries, writes and each other), and each shard's rows are then
    /// registered by a checkpoint of that shard, which stores them as a sealed segment named by the
    /// shard's manifest together with <paramref name="origin"/>. When this returns, the rows are
    /// searchable and durable.
    /// </summary>
    /// <remarks>
    /// <para><b>Exactly once.</b> A shard registers each origin once, atomically with the segment (both
    /// are in one manifest generation), and remembers the rows it added, even after those rows are
    /// deleted, merged or compacted. Calling again with the same origin adds nothing to shards that
    /// registered it and reports their rows as <see cref="BulkLoadResult.AlreadyLoadedRows"/> with the
    /// count added then; shards that did not (a job killed midway, a failed commit) are loaded now. So
    /// <c>Added + PreviouslyAdded</c> of the last call is the chunk's exact count.</para>
    /// <para><b>Bulk rows never replace items</b>: a row whose id is live in the memory is skipped as a
    /// duplicate, as is a repeat of an id earlier in the chunk. A delete before the load does not stop
    /// the id from being loaded again.</para>
    /// <para>If registering fails in some shard (storage error), the others still complete and the
    /// first error is thrown; call again with the same origin to finish. A shard whose commit failed
    /// keeps the rows attached in memory and counts the origin as registered, so the second call
    /// reports them as already loaded and checkpoints that shard again to make them durable; after a
    /// restart instead, the shard has neither the rows nor the origin and loads them anew.</para>
    /// </remarks>
    /// <param name="origin">A stable key for this chunk, e.g. "job-7/part-00012/chunk-3".</param>
    /// <param name="ids">Item ids.</param>
    /// <param name="labels">Label of each row; new labels join the vocabulary.</param>
    /// <param name="vectors">One raw row per id (validated by the caller).</param>
    /// <param name="sources">Source tag of each row (null entries for none), or null when none has one.</param>
    /// <param name="cancellationToken">Cancels waiting for checkpoints and storage calls.</param>
    /// <exception cref="InvalidOperationException">The memory's index needs a trained quantizer and has none: call <see cref="TrainQuantizerAsync"/> first.</exception>
    public async Task<BulkLoadResult> BulkLoadAsync(string origin, IReadOnlyList<long> ids, IReadOnlyList<string> labels, ReadOnlyMemory<float> vectors,
        IReadOnlyList<string?>? sources = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(labels);
        var d = Definition.Dimension;
        if (labels.Count != ids.Count || vectors.Length != (long)ids.Count * d || (sources is not null && sources.Count != ids.Count))
        {
            throw new ArgumentException("ids, labels, sources and vectors disagree in count");
        }
        var template = BulkTemplate();

        var byShard = new List<int>?[_shards.Length];
        for (var i = 0; i < ids.Count; i++)
        {
            (byShard[ShardRouter.ShardOf(ids[i], _shards.Length)] ??= []).Add(i);
        }

        var encoded = new List<(int Shard, int Rows, int Skipped, EncodedSegment Segment)>();
        // Shards that registered the origin in a call whose commit failed: a checkpoint makes it durable now.
        var unstored = new List<Shard>();
        int added = 0, duplicates = 0, alreadyRows = 0, alreadyShards = 0;
        long previouslyAdded = 0;
        try
        {
            for (var s = 0; s < _shards.Length; s++)
            {
                if (byShard[s] is not { } rows)
                {
                    continue;
                }
                if (_shards[s].OriginRows(origin) is { } earlier)
                {
                    alreadyRows += rows.Count;
                    previouslyAdded += earlier;
                    alreadyShards++;
                    if (!_shards[s].IsOriginStored(origin))
                    {
                        unstored.Add(_shards[s]);
                    }
                    continue;
                }
                // Skipped before encoding to save the work; the attach checks again under the shard's lock.
                var live = _shards[s].AreLive([.. rows.Select(r => ids[r])]);
                var seen = new HashSet<long>();
                List<int> kept = [.. rows.Where((r, j) => !live[j] && seen.Add(ids[r]))];
                cancellationToken.ThrowIfCancellationRequested();
                encoded.Add((s, rows.Count, rows.Count - kept.Count, Encode(origin, template, kept, ids, labels, vectors.Span, sources)));
            }

            // Registration is cheap next to encoding and mostly storage I/O: all shards at once.
            List<Task<int>> registrations = [
                .. encoded.Select(e => CheckpointShardAsync(_shards[e.Shard], TemplateForSealing, wait: true, e.Segment, cancellationToken)),
                .. unstored.Select(shard => CheckpointShardAsync(shard, TemplateForSealing, wait: true, cancellationToken))];
            try
            {
                await Task.WhenAll(registrations).ConfigureAwait(false);
            }
            finally
            {
                // Attached rows are searchable even when a commit failed (a later checkpoint stores them).
                Interlocked.Increment(ref _writeVersion);
            }
            foreach (var (_, rows, skipped, segment) in encoded)
            {
                var attachment = segment.Attachment ?? throw new InvalidOperationException($"origin '{origin}' was not attached");
                if (attachment.AlreadyRegistered)
                {
                    // A concurrent call with the same origin registered it first.
                    alreadyRows += rows;
                    previouslyAdded += attachment.PreviouslyAdded;
                    alreadyShards++;
                    continue;
                }
                added += attachment.Added;
                duplicates += skipped + attachment.Duplicates;
            }
        }
        finally
        {
            encoded.ForEach(e => e.Segment.Dispose());
        }
        return new BulkLoadResult(ids.Count, added, duplicates, alreadyRows, previouslyAdded, alreadyShards);
    }

    // The rows of one shard, preprocessed and encoded under their row numbers in a copy of the template.
    private EncodedSegment Encode(string origin, FaissIndex template, List<int> rows, IReadOnlyList<long> ids, IReadOnlyList<string> labels,
        ReadOnlySpan<float> vectors, IReadOnlyList<string?>? sources)
    {
        var d = Definition.Dimension;
        var raw = new float[rows.Count * d];
        for (var j = 0; j < rows.Count; j++)
        {
            vectors.Slice(rows[j] * d, d).CopyTo(raw.AsSpan(j * d, d));
        }
        var normalised = Definition.Preprocess(raw);
        var index = template.Clone();
        try
        {
            if (rows.Count > 0)
            {
                index.Add(normalised, [.. Enumerable.Range(0, rows.Count).Select(r => (long)r)]);
            }
            return new EncodedSegment(origin,
                [.. rows.Select(r => ids[r])],
                [.. rows.Select(r => Labels.GetOrAdd(labels[r]))],
                [.. rows.Select(r => sources?[r] is { } source ? Sources.GetOrAdd(source) : -1)],
                index);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    // The trained quantizer; an index that needs no training (Flat) gets its template created and stored here.
    private FaissIndex BulkTemplate()
    {
        lock (_trainingGate)
        {
            if (_template is not null)
            {
                return _template;
            }
        }
        using (var probe = FaissIndex.Create(Definition.Dimension, Definition.Index))
        {
            if (!probe.IsTrained)
            {
                throw new InvalidOperationException(
                    $"memory '{Definition.Name}' has no trained quantizer for its index \"{Definition.Index}\"; " +
                    "train it on a sample first (TrainQuantizerAsync) before bulk loading");
            }
        }
        return TrainedTemplate();
    }
}
