using VisualMemory.Datasets;

namespace VisualMemory.Cli.Tests;

// vm ingest --manifest and vm jobs against a real in-process server whose ingest worker runs the job.
public sealed class IngestJobCliTests : CliHarness
{
    private string WriteManifest(int rows)
    {
        var (vectors, labels) = SyntheticClusters.Generate(rows, 8, clusters: 3, spread: 0.6, seed: 2);
        NpyFile.Write(Path.Combine(Directory, "part.npy"), vectors);
        File.WriteAllLines(Path.Combine(Directory, "part.csv"),
            ["id,label,confidence", .. labels.Select((label, i) => i == 7 ? "x,bad,1" : $"{i},{label},{(i % 2 == 0 ? "0.9" : "0.4")}")]);
        var manifest = Path.Combine(Directory, "manifest.json");
        File.WriteAllText(manifest, """{"parts": [{"name": "only", "vectors": "part.npy", "metadata": "part.csv"}]}""");
        return manifest;
    }

    [Fact]
    public async Task Ingest_with_a_manifest_follows_the_job_to_its_end_and_jobs_shows_it()
    {
        var manifest = WriteManifest(300);
        // The memory is made by the plain ingest (one item far from the job's ids), as a user would.
        var seed = Path.Combine(Directory, "seed.npy");
        NpyFile.Write(seed, SyntheticClusters.Generate(1, 8, clusters: 1, spread: 0.1, seed: 3).Vectors);
        Assert.Equal(0, (await Vm("ingest", "--memory", "m", "--create", "--vectors", seed, "--labels", WriteLabels(1), "--id-start", "1000000")).Exit);

        var run = await Vm("ingest", "--manifest", manifest, "--memory", "m", "--min-confidence", "0.5", "--interval-ms", "50");
        Assert.True(run.Exit == 0, run.Output + run.Error);
        // Odd rows have confidence 0.4 (150 filtered); row 7 is bad and odd, so it is counted as bad, not filtered.
        Assert.Contains("job 1: loading 1 parts into memory m", run.Output, StringComparison.Ordinal);
        Assert.Contains("rows read, 150 added, 0 duplicates, 149 filtered, 1 bad; 1/1 parts done", run.Output, StringComparison.Ordinal);
        Assert.Contains("row 7: id 'x' is not a 64-bit integer", run.Output, StringComparison.Ordinal);
        Assert.Contains("items/s", run.Output, StringComparison.Ordinal);

        var list = await Vm("jobs");
        Assert.Equal(0, list.Exit);
        Assert.Contains("succeeded", list.Output, StringComparison.Ordinal);
        var show = await Vm("jobs", "1");
        Assert.Equal(0, show.Exit);
        Assert.Contains("job 1 succeeded", show.Output, StringComparison.Ordinal);
        var resume = await Vm("jobs", "1", "--resume");
        Assert.Equal(4, resume.Exit);
        Assert.Contains("succeeded", resume.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_jobs_and_bad_ids_exit_with_the_documented_codes()
    {
        var manifest = WriteManifest(20);
        var missing = await Vm("ingest", "--manifest", manifest, "--memory", "nope");
        Assert.Equal(4, missing.Exit);
        Assert.Contains("no memory 'nope'", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await Vm("ingest", "--manifest", manifest)).Exit);
        Assert.Equal(2, (await Vm("jobs", "x")).Exit);
        Assert.Equal(4, (await Vm("jobs", "42")).Exit);
    }

    private string WriteLabels(int rows)
    {
        var path = Path.Combine(Directory, "labels.txt");
        File.WriteAllLines(path, Enumerable.Repeat("c0", rows));
        return path;
    }
}
