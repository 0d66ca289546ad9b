using System.Collections.Concurrent;
using VisualMemory.ControlPlane;

namespace VisualMemory.ControlPlane.Tests;

/// <summary>The <see cref="IJobStore"/> half of the contract (schema version 5), run against each real database like the rest.</summary>
public abstract partial class ClusterStoreContract
{
    private const string Spec = """{"manifest":"s3://bucket/manifest.json"}""";

    private IJobStore Jobs => (IJobStore)Store;

    [Fact]
    public async Task A_new_job_is_running_with_its_parts_pending_in_order()
    {
        Assert.Equal(1, await Jobs.CreateJobAsync("ingest", "m", Spec, ["b.npy", "a.npy", "c.npy"]));
        Assert.Equal(2, await Jobs.CreateJobAsync("ingest", "other", "{}", ["x"]));

        var job = await Jobs.GetJobAsync(1);
        Assert.NotNull(job);
        Assert.Equal((1L, "ingest", "m", Spec, (string?)null, JobState.Running, (string?)null), (job.Id, job.Kind, job.Memory, job.SpecJson, job.DataJson, job.State, job.Message));
        Assert.Equal(job.CreatedAt, job.UpdatedAt);
        Assert.Equal([0, 1, 2], job.Parts.Select(p => p.Index));
        Assert.Equal(["b.npy", "a.npy", "c.npy"], job.Parts.Select(p => p.Name));
        Assert.All(job.Parts, p =>
        {
            Assert.Equal(PartState.Pending, p.State);
            Assert.Null(p.ProgressJson);
            Assert.Null(p.Node);
            Assert.Equal(0, p.ClaimEpoch);
            Assert.Null(p.LeaseExpiresAt);
            Assert.Equal(job.CreatedAt, p.UpdatedAt);
        });

        Assert.Null(await Jobs.GetJobAsync(3));
        var listed = await Jobs.ListJobsAsync();
        Assert.Equal([2L, 1L], listed.Select(j => j.Id));
        Assert.Equal(["x"], listed[0].Parts.Select(p => p.Name));
        Assert.Equal(job.Parts, listed[1].Parts);
        Assert.Equal([2L], (await Jobs.ListJobsAsync(limit: 1)).Select(j => j.Id));
        // Seen through another store on the same database, as another node would.
        Assert.Equal(job.Parts, (await ((IJobStore)Another()).GetJobAsync(1))!.Parts);
    }

    [Fact]
    public async Task Duplicate_part_names_are_refused_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Jobs.CreateJobAsync("ingest", "m", Spec, ["a", "b", "a"]));
        await Assert.ThrowsAsync<ArgumentException>(() => Jobs.CreateJobAsync("ingest", "m", "not json", ["a"]));
        Assert.Empty(await Jobs.ListJobsAsync());
        Assert.Equal(1, await Jobs.CreateJobAsync("ingest", "m", Spec, ["a", "b"]));
    }

    [Fact]
    public async Task Claims_take_the_lowest_pending_part_of_the_lowest_running_job()
    {
        var first = await Jobs.CreateJobAsync("ingest", "m", Spec, ["p0", "p1"]);
        var second = await Jobs.CreateJobAsync("ingest", "m", Spec, ["q0"]);
        var created = (await Jobs.GetJobAsync(first))!;

        var claim = await Jobs.ClaimPartAsync("n1", LongLease);
        Assert.NotNull(claim);
        Assert.Equal((first, 0, "p0", (string?)null, 1L), (claim.Job.Id, claim.Part, claim.Name, claim.ProgressJson, claim.ClaimEpoch));
        var part = claim.Job.Parts[0];
        Assert.Equal((PartState.Running, "n1", 1L), (part.State, part.Node, part.ClaimEpoch));
        Assert.NotNull(part.LeaseExpiresAt);
        Assert.True(part.LeaseExpiresAt > part.UpdatedAt + TimeSpan.FromMinutes(4));
        Assert.True(claim.Job.UpdatedAt > created.UpdatedAt);
        Assert.Equal(PartState.Pending, claim.Job.Parts[1].State);
        Assert.Equal(claim.Job.Parts, (await Jobs.GetJobAsync(first))!.Parts);

        // Only the given job's parts, when one is given.
        var onlySecond = await Jobs.ClaimPartAsync("n2", LongLease, second);
        Assert.Equal((second, 0), (onlySecond!.Job.Id, onlySecond.Part));
        Assert.Null(await Jobs.ClaimPartAsync("n2", LongLease, second));
        Assert.Null(await Jobs.ClaimPartAsync("n2", LongLease, 99));

        var last = (await Jobs.ClaimPartAsync("n2", LongLease))!;
        Assert.Equal((first, 1), (last.Job.Id, last.Part));
        // Every part is held under a live lease.
        Assert.Null(await Jobs.ClaimPartAsync("n3", LongLease));
    }

    [Fact]
    public async Task Parts_of_ended_jobs_are_never_claimed()
    {
        var succeeded = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        var failed = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        var cancelled = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        Assert.True(await Jobs.SetJobStateAsync(succeeded, JobState.Succeeded));
        Assert.True(await Jobs.SetJobStateAsync(failed, JobState.Failed, "memory dropped"));
        Assert.True(await Jobs.SetJobStateAsync(cancelled, JobState.Cancelled, "by user"));
        Assert.Null(await Jobs.ClaimPartAsync("n1", LongLease));
        Assert.Null(await Jobs.ClaimPartAsync("n1", LongLease, cancelled));

        // A running part whose job is cancelled is not claimed again either, even after its lease lapses.
        var running = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        Assert.NotNull(await Jobs.ClaimPartAsync("n1", ShortLease));
        Assert.True(await Jobs.SetJobStateAsync(running, JobState.Cancelled));
        await Task.Delay(PastShortLease);
        Assert.Null(await Jobs.ClaimPartAsync("n2", LongLease));
        Assert.Equal(("by user", JobState.Cancelled), ((await Jobs.GetJobAsync(cancelled))!.Message, (await Jobs.GetJobAsync(cancelled))!.State));
    }

    [Fact]
    public async Task Progress_is_recorded_only_by_the_claim_holder_and_renews_its_lease()
    {
        var id = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a", "b"]);
        var claim = (await Jobs.ClaimPartAsync("n1", LongLease))!;
        var claimed = claim.Job.Parts[0];

        Assert.True(await Jobs.RecordPartProgressAsync(id, 0, "n1", claim.ClaimEpoch, """{"rows":100}"""));
        var job = (await Jobs.GetJobAsync(id))!;
        var part = job.Parts[0];
        Assert.Equal((PartState.Running, """{"rows":100}""", "n1", 1L), (part.State, part.ProgressJson, part.Node, part.ClaimEpoch));
        // Renewed by the length it was claimed with.
        Assert.True(part.LeaseExpiresAt > claimed.LeaseExpiresAt);
        Assert.True(part.LeaseExpiresAt >= part.UpdatedAt + LongLease - TimeSpan.FromSeconds(1));
        Assert.True(job.UpdatedAt > claim.Job.UpdatedAt);

        // Not the holder, not its epoch, not a part it claimed: nothing is written.
        Assert.False(await Jobs.RecordPartProgressAsync(id, 0, "n2", claim.ClaimEpoch, """{"rows":1}"""));
        Assert.False(await Jobs.RecordPartProgressAsync(id, 0, "n1", claim.ClaimEpoch + 1, """{"rows":1}"""));
        Assert.False(await Jobs.RecordPartProgressAsync(id, 1, "n1", claim.ClaimEpoch, """{"rows":1}"""));
        Assert.False(await Jobs.RecordPartProgressAsync(99, 0, "n1", claim.ClaimEpoch, """{"rows":1}"""));
        Assert.Equal(job, (await Jobs.GetJobAsync(id))! with { Parts = job.Parts });
        Assert.Equal(job.Parts, (await Jobs.GetJobAsync(id))!.Parts);

        Assert.True(await Jobs.RecordPartProgressAsync(id, 0, "n1", claim.ClaimEpoch, """{"rows":250,"done":true}""", PartState.Done));
        part = (await Jobs.GetJobAsync(id))!.Parts[0];
        Assert.Equal((PartState.Done, """{"rows":250,"done":true}"""), (part.State, part.ProgressJson));
        Assert.Null(part.LeaseExpiresAt);
        // An ended part takes no more progress and is not claimed again.
        Assert.False(await Jobs.RecordPartProgressAsync(id, 0, "n1", claim.ClaimEpoch, """{"rows":1}"""));
        var next = (await Jobs.ClaimPartAsync("n1", LongLease))!;
        Assert.Equal(1, next.Part);
        Assert.True(await Jobs.RecordPartProgressAsync(id, 1, "n1", next.ClaimEpoch, """{"error":"missing file"}""", PartState.Failed));
        Assert.Equal(PartState.Failed, (await Jobs.GetJobAsync(id))!.Parts[1].State);
        Assert.Null(await Jobs.ClaimPartAsync("n1", LongLease));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Jobs.RecordPartProgressAsync(id, 1, "n1", 1, "{}", PartState.Pending));
        await Assert.ThrowsAsync<ArgumentException>(() => Jobs.RecordPartProgressAsync(id, 1, "n1", 1, "{"));
    }

    [Fact]
    public async Task A_lapsed_claim_goes_to_another_node_with_its_progress_and_the_old_worker_can_no_longer_record()
    {
        var id = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        var old = (await Jobs.ClaimPartAsync("n1", ShortLease))!;
        Assert.True(await Jobs.RecordPartProgressAsync(id, 0, "n1", old.ClaimEpoch, """{"rows":10}"""));
        // Still held: the lease was just renewed.
        Assert.Null(await Jobs.ClaimPartAsync("n2", LongLease));

        await Task.Delay(PastShortLease);
        var taken = await Jobs.ClaimPartAsync("n2", LongLease);
        Assert.NotNull(taken);
        Assert.Equal((0, """{"rows":10}""", old.ClaimEpoch + 1), (taken.Part, taken.ProgressJson, taken.ClaimEpoch));
        Assert.Equal("n2", taken.Job.Parts[0].Node);

        Assert.False(await Jobs.RecordPartProgressAsync(id, 0, "n1", old.ClaimEpoch, """{"rows":20}"""));
        Assert.False(await Jobs.RecordPartProgressAsync(id, 0, "n1", old.ClaimEpoch, """{"rows":20}""", PartState.Done));
        Assert.True(await Jobs.RecordPartProgressAsync(id, 0, "n2", taken.ClaimEpoch, """{"rows":30}"""));
        var part = (await Jobs.GetJobAsync(id))!.Parts[0];
        Assert.Equal((PartState.Running, """{"rows":30}""", "n2", 2L), (part.State, part.ProgressJson, part.Node, part.ClaimEpoch));
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_part()
    {
        const int parts = 24;
        var id = await Jobs.CreateJobAsync("ingest", "m", Spec, [.. Enumerable.Range(0, parts).Select(i => $"part-{i}")]);
        // Separate stores (separate connections or pools), each claiming until nothing is left.
        var stores = Enumerable.Range(0, 6).Select(_ => (IJobStore)Another()).ToList();
        var claims = new ConcurrentBag<(string Node, int Part, long Epoch)>();
        await Task.WhenAll(stores.Select((store, n) => Task.Run(async () =>
        {
            while (await store.ClaimPartAsync($"n{n}", LongLease, id) is { } claim)
            {
                claims.Add(($"n{n}", claim.Part, claim.ClaimEpoch));
            }
        })));

        Assert.Equal(Enumerable.Range(0, parts), claims.Select(c => c.Part).Order());
        Assert.All(claims, c => Assert.Equal(1, c.Epoch));
        var stored = (await Jobs.GetJobAsync(id))!.Parts;
        Assert.All(stored, p => Assert.Equal(PartState.Running, p.State));
        Assert.Equal(claims.OrderBy(c => c.Part).Select(c => c.Node), stored.Select(p => p.Node));
    }

    [Fact]
    public async Task Resuming_a_failed_or_cancelled_job_makes_its_failed_parts_pending_with_their_progress()
    {
        var id = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a", "b", "c"]);
        var a = (await Jobs.ClaimPartAsync("n1", LongLease))!;
        var b = (await Jobs.ClaimPartAsync("n1", LongLease))!;
        Assert.True(await Jobs.RecordPartProgressAsync(id, 0, "n1", a.ClaimEpoch, """{"rows":5}""", PartState.Done));
        Assert.True(await Jobs.RecordPartProgressAsync(id, 1, "n1", b.ClaimEpoch, """{"rows":7}""", PartState.Failed));

        Assert.True(await Jobs.SetJobStateAsync(id, JobState.Failed, "part b could not be read"));
        var failed = (await Jobs.GetJobAsync(id))!;
        Assert.Equal((JobState.Failed, "part b could not be read"), (failed.State, failed.Message));
        Assert.Equal(PartState.Failed, failed.Parts[1].State);

        Assert.True(await Jobs.SetJobStateAsync(id, JobState.Running));
        var resumed = (await Jobs.GetJobAsync(id))!;
        Assert.Equal((JobState.Running, (string?)null), (resumed.State, resumed.Message));
        Assert.True(resumed.UpdatedAt > failed.UpdatedAt);
        Assert.Equal([PartState.Done, PartState.Pending, PartState.Pending], resumed.Parts.Select(p => p.State));
        Assert.Equal("""{"rows":7}""", resumed.Parts[1].ProgressJson);

        var retried = (await Jobs.ClaimPartAsync("n2", LongLease))!;
        Assert.Equal((1, """{"rows":7}""", 2L), (retried.Part, retried.ProgressJson, retried.ClaimEpoch));
        Assert.True(await Jobs.RecordPartProgressAsync(id, 1, "n2", retried.ClaimEpoch, """{"rows":8}""", PartState.Failed));

        // The same from Cancelled; Running on a Running job resets nothing.
        Assert.True(await Jobs.SetJobStateAsync(id, JobState.Running));
        Assert.Equal(PartState.Failed, (await Jobs.GetJobAsync(id))!.Parts[1].State);
        Assert.True(await Jobs.SetJobStateAsync(id, JobState.Cancelled, "by user"));
        Assert.True(await Jobs.SetJobStateAsync(id, JobState.Running));
        Assert.Equal(PartState.Pending, (await Jobs.GetJobAsync(id))!.Parts[1].State);

        Assert.False(await Jobs.SetJobStateAsync(99, JobState.Cancelled));
    }

    [Fact]
    public async Task Job_data_is_replaced_and_bumps_the_job_time()
    {
        var id = await Jobs.CreateJobAsync("ingest", "m", Spec, ["a"]);
        var created = (await Jobs.GetJobAsync(id))!;
        Assert.True(await Jobs.SetJobDataAsync(id, """{"quantizer":"trained"}"""));
        var first = (await Jobs.GetJobAsync(id))!;
        Assert.Equal("""{"quantizer":"trained"}""", first.DataJson);
        Assert.True(first.UpdatedAt > created.UpdatedAt);
        Assert.Equal(created.CreatedAt, first.CreatedAt);
        Assert.Equal(created.Parts, first.Parts);

        Assert.True(await Jobs.SetJobDataAsync(id, """{"quantizer":"v2"}"""));
        var second = (await Jobs.GetJobAsync(id))!;
        Assert.Equal("""{"quantizer":"v2"}""", second.DataJson);
        Assert.True(second.UpdatedAt > first.UpdatedAt);

        Assert.False(await Jobs.SetJobDataAsync(99, "{}"));
        await Assert.ThrowsAsync<ArgumentException>(() => Jobs.SetJobDataAsync(id, "not json"));
    }

    [Fact]
    public async Task A_version_4_store_migrates_to_version_5_keeping_its_rows()
    {
        var old = await CreateStoreAtVersionAsync(4);
        _stores.Add(old);
        await old.RegisterNodeAsync("n1", "http://n1", NodeRoles.ShardHost, LongLease);
        Assert.True(await old.CreateMemoryAsync("m", "{}", 1, 1));
        var controller = (await old.TryAcquireControllerAsync("c", LongLease))!;
        Assert.Equal(PlacementOutcome.Applied, await old.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.Add("m", 0, "n1")]));
        Assert.True(await old.ReportReadyAsync("m", 0, "n1", 1));
        Assert.Equal(PlacementOutcome.Applied, await old.ApplyPlacementAsync("c", controller.Epoch, [PlacementChange.SetPrimary("m", 0, "n1")]));
        Assert.True(await old.ReportShardSizeAsync("m", 0, "n1", 4096));
        var shards = await old.ListShardsAsync();
        var assignments = await old.ListAssignmentsAsync();

        await old.MigrateAsync();
        await old.MigrateAsync();
        Assert.Equal(shards, await old.ListShardsAsync());
        Assert.Equal(assignments, await old.ListAssignmentsAsync());
        var jobs = (IJobStore)old;
        Assert.Equal(1, await jobs.CreateJobAsync("ingest", "m", Spec, ["a"]));
        Assert.Equal(1, (await jobs.ClaimPartAsync("n1", LongLease))!.ClaimEpoch);
    }
}
