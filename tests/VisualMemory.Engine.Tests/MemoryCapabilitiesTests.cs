using VisualMemory.Core.Aggregation;
using VisualMemory.Core.Linear;
using VisualMemory.Core.Pruning;
using VisualMemory.Datasets;
using VisualMemory.Engine.Durability;
using VisualMemory.Engine.Pruning;
using VisualMemory.Engine.Unlearning;
using VisualMemory.Storage;

namespace VisualMemory.Engine.Tests;

public class MemoryCapabilitiesTests
{
    private const int Dimension = 16;

    private static LocalMemory Memory(string index = "Flat", IReadOnlyList<float>? center = null) =>
        new(new MemoryDefinition("m", Dimension, index, Shards: 3, NProbe: 4, center), new MemorySettings { SealThreshold = 1_000_000 });

    private static (long[] Ids, string[] Labels, float[] Vectors) Items(int count, int seed, double spread = 0.5)
    {
        var (vectors, labels) = SyntheticClusters.Generate(count, Dimension, clusters: 4, spread, seed);
        return ([.. Enumerable.Range(0, count).Select(i => (long)i)], labels, vectors.Data);
    }

    [Fact]
    public void Prune_job_counts_what_leave_one_out_queries_blame_and_apply_and_rollback_change_what_queries_see()
    {
        var (ids, labels, vectors) = Items(400, seed: 1, spread: 0.3);
        // Ten samples carry a wrong label, so some leave-one-out queries are misclassified.
        var flipped = Enumerable.Range(0, 10).Select(i => (long)(i * 37)).ToHashSet();
        var noisy = labels.Select((l, i) => flipped.Contains(i) ? (l == "c0" ? "c1" : "c0") : l).ToArray();
        using var memory = Memory();
        memory.Upsert(ids, noisy, vectors);
        memory.Seal();

        var version = memory.RunPruneJob(new PruneJobOptions(K: 10, HardThreshold: 1));
        Assert.Equal(1, version.Version);
        Assert.Equal(400, version.MemorySize);
        Assert.True(version.Misclassified >= flipped.Count);

        // The job equals one counter fed by one leave-one-out search per sample.
        var expected = new WrongContributionCounter(new AggregationOptions(AggregationKind.Rank), k: 10);
        for (var i = 0; i < ids.Length; i++)
        {
            expected.Add(ids[i], memory.Labels.TryGetIndex(noisy[i], out var label) ? label : -1, memory.Search(vectors.AsSpan(i * Dimension, Dimension), 11)[0]);
        }
        Assert.Equal(expected.Counts.OrderBy(p => p.Key), version.Counts.OrderBy(p => p.Key));
        Assert.Equal(expected.Misclassified, version.Misclassified);
        Assert.Null(memory.Pruning.Applied);

        var worst = PruneOffender.TopOffenders(version.Counts, 1)[0].Id;
        var query = vectors.AsSpan((int)worst * Dimension, Dimension).ToArray();
        Assert.Contains(memory.Search(query, 5)[0], n => n.Id == worst);

        memory.ApplyPrune(1, PruningMode.Hard);
        Assert.Equal(PruningMode.Hard, memory.Pruning.DefaultMode);
        Assert.DoesNotContain(memory.Search(query, 5)[0], n => n.Id == worst);
        Assert.Contains(memory.Search(query, 5, pruning: PruningMode.None)[0], n => n.Id == worst);
        var soft = memory.Search(query, 5, pruning: PruningMode.Soft)[0].Single(n => n.Id == worst);
        Assert.Equal((float)SoftPruning.Paper.Gamma(version.Counts[worst]), soft.Reliability);

        Assert.Null(memory.RollbackPrune());
        Assert.Equal(PruningMode.None, memory.Pruning.DefaultMode);
        Assert.All(memory.Search(query, 5, pruning: PruningMode.Soft)[0], n => Assert.Equal(1f, n.Reliability));
        Assert.Throws<InvalidOperationException>(() => memory.RollbackPrune());
        Assert.Throws<KeyNotFoundException>(() => memory.ApplyPrune(7, PruningMode.Soft));
    }

    [Fact]
    public void Unlearning_requests_delete_and_are_audited()
    {
        var (ids, labels, vectors) = Items(90, seed: 2);
        using var memory = Memory();
        memory.Upsert(ids, labels, vectors, [.. ids.Select(i => i < 30 ? "licence-a" : null)]);
        var bySource = memory.Unlearn(UnlearningKind.Source, "licence-a");
        var byIds = memory.Unlearn(UnlearningKind.Ids, null, [40, 41, 40, 5000]);
        var byLabel = memory.Unlearn(UnlearningKind.Label, "nope");

        Assert.Equal((1L, 30L), (bySource.Sequence, bySource.Deleted));
        Assert.Equal((4L, 2L, "40,41,40,5000"), (byIds.Requested, byIds.Deleted, byIds.Selector));
        Assert.Equal(0, byLabel.Deleted);
        Assert.Equal([1L, 2L, 3L], memory.Unlearning.Records.Select(r => r.Sequence));
        Assert.Equal(58, memory.Count);
        Assert.DoesNotContain(memory.Search(vectors, 90).SelectMany(r => r), n => n.Id < 30 || n.Id is 40 or 41);
    }

    [Fact]
    public void Centering_subtracts_the_mean_before_normalising_items_and_queries()
    {
        // Around a shared offset, raw cosine says everything is alike; centred, direction decides.
        var center = Enumerable.Repeat(10f, Dimension).ToArray();
        var a = center.ToArray();
        a[0] += 1;
        var b = center.ToArray();
        b[1] += 1;
        using var centred = Memory(center: center);
        centred.Upsert([1, 2], ["a", "b"], [.. a, .. b]);
        var hits = centred.Search(a, 2)[0];
        Assert.Equal(1, hits[0].Id);
        Assert.Equal(1.0, hits[0].Similarity, 5);
        Assert.Equal(0.0, hits[1].Similarity, 5);
    }

    [Fact]
    public void Linear_head_trains_on_the_sealed_memory_and_predicts_its_clusters()
    {
        var (ids, labels, vectors) = Items(800, seed: 3, spread: 0.3);
        using var memory = Memory("IVF4,PQ4");
        memory.Upsert(ids, labels, vectors);
        memory.Seal();
        var fit = memory.TrainLinearHead(new LogisticRegressionOptions(Epochs: 30, LearningRate: 0.05));
        Assert.Same(fit.Head, memory.LinearHead);
        var normalised = memory.Preprocess(vectors);
        var predicted = fit.Head.PredictRows(normalised);
        var accuracy = predicted.Where((p, i) => memory.Labels[p] == labels[i]).Count() / 800.0;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
        Assert.Throws<ArgumentException>(() => memory.SetLinearHead(LinearHead.FromWeights(new float[3 * 5], new float[3], 3, 5, null)));
    }

    [Fact]
    public void Taxonomy_references_are_rebuilt_after_deletes()
    {
        var (ids, labels, vectors) = Items(200, seed: 4);
        using var memory = Memory();
        memory.Upsert(ids, labels, vectors);
        memory.SetTaxonomy(new Dictionary<string, string?> { ["c0"] = "even", ["c2"] = "even", ["c1"] = "odd", ["c3"] = "odd" });
        var before = memory.WithinNodeDistances();
        Assert.Equal(["c0", "c1", "c2", "c3", "even", "odd"], before.Keys.Order());
        Assert.All(before.Values, d => Assert.NotEmpty(d));
        memory.DeleteLabel("c3");
        var after = memory.WithinNodeDistances();
        Assert.False(after.ContainsKey("c3"));
        Assert.NotSame(before, after);
        Assert.Throws<ArgumentException>(() => memory.SetTaxonomy(new Dictionary<string, string?> { ["x"] = "y", ["y"] = "x" }));
    }

    [Fact]
    public async Task Concurrent_prune_jobs_get_distinct_versions_while_a_prune_is_applied_and_rolled_back()
    {
        var (ids, labels, vectors) = Items(400, seed: 9);
        using var memory = Memory();
        memory.Upsert(ids, labels, vectors);
        var first = memory.RunPruneJob(new PruneJobOptions(K: 5));
        // While two more jobs run, applying and rolling back the first must go on (the jobs hold no pruning lock).
        var jobs = new[] { Task.Run(() => memory.RunPruneJob(new PruneJobOptions(K: 5))), Task.Run(() => memory.RunPruneJob(new PruneJobOptions(K: 7))) };
        memory.ApplyPrune(first.Version, PruningMode.Soft);
        Assert.Null(memory.RollbackPrune());
        var versions = (await Task.WhenAll(jobs)).Select(v => v.Version).Order().ToArray();
        Assert.Equal([2, 3], versions);
        Assert.Equal([1, 2, 3], memory.Pruning.Versions.Select(v => v.Version));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reopening_from_storage_keeps_sources_prunes_audit_taxonomy_head_and_center(bool checkpointFirst)
    {
        var (ids, labels, vectors) = Items(300, seed: 5);
        var directory = Directory.CreateTempSubdirectory("vm-durable-").FullName;
        try
        {
            var storage = new MemoryStorage(new LocalDirectoryObjectStore(Path.Combine(directory, "objects")), Path.Combine(directory, "wal"));
            var settings = new MemorySettings { SealThreshold = 1_000_000 };
            var center = Enumerable.Range(0, Dimension).Select(i => i * 0.01f).ToArray();
            using var memory = await LocalMemory.CreateAsync(new MemoryDefinition("m", Dimension, "IVF4,Flat", Shards: 3, NProbe: 4, center), settings, storage);
            memory.Upsert(ids, labels, vectors, [.. ids.Select(i => i % 2 == 0 ? "even" : null)]);
            memory.Seal();
            memory.RunPruneJob(new PruneJobOptions(K: 5));
            memory.ApplyPrune(1, PruningMode.Soft);
            memory.Unlearn(UnlearningKind.Ids, null, [3]);
            memory.SetTaxonomy(new Dictionary<string, string?> { ["c0"] = "all", ["all"] = null });
            memory.TrainLinearHead(new LogisticRegressionOptions(Epochs: 2));
            // Writes after the seal live only in the log unless the memory checkpoints.
            memory.Upsert([1000], ["late"], vectors.AsSpan(0, Dimension));
            if (checkpointFirst)
            {
                await memory.CheckpointAsync();
            }
            var expected = memory.Search(vectors.AsSpan(0, 20 * Dimension), 10);
            memory.Dispose();

            using var loaded = await LocalMemory.OpenAsync("m", settings, storage);
            Assert.Equal(center, loaded.Definition.Center);
            Assert.Equal(301 - 1, loaded.Count);
            Assert.Equal("late", loaded.LabelOf(1000));
            Assert.Null(loaded.LabelOf(3));
            Assert.Equal((1, PruningMode.Soft), (loaded.Pruning.Applied!.Version, loaded.Pruning.Applied.Mode));
            Assert.Equal(memory.Pruning.Versions[0].Counts, loaded.Pruning.Versions[0].Counts);
            Assert.Equal(memory.Unlearning.Records.Select(r => r with { ForgottenAt = null }), loaded.Unlearning.Records.Select(r => r with { ForgottenAt = null }));
            // The checkpoint compacted id 3 out of every stored object; without one the log still holds it.
            Assert.Equal(checkpointFirst, loaded.Unlearning.Records[0].ForgottenAt is not null);
            Assert.Equal(memory.Taxonomy!.ParentOf, loaded.Taxonomy!.ParentOf);
            Assert.Equal(memory.LinearHead!.Serialize(), loaded.LinearHead!.Serialize());
            Assert.True(loaded.TryGetItem(4, out var item));
            Assert.Equal("even", loaded.SourceName(item));
            var actual = loaded.Search(vectors.AsSpan(0, 20 * Dimension), 10);
            Assert.Equal(expected.Select(r => r.Select(n => (n.Id, n.Reliability))), actual.Select(r => r.Select(n => (n.Id, n.Reliability))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
