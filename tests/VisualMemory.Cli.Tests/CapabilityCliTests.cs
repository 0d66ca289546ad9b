using VisualMemory.Datasets;

namespace VisualMemory.Cli.Tests;

// The capability commands against a real in-process server: each must change (or show) what the
// API says it changes, and refuse bad input with the documented exit codes.
public sealed class CapabilityCliTests : CliHarness
{
    private async Task<string> Ingest(int rows, string source)
    {
        var (vectors, labels) = SyntheticClusters.Generate(rows, 8, clusters: 3, spread: 0.6, seed: 1);
        // Every tenth label is wrong, so pruning has something to find.
        var noisy = labels.Select((l, i) => i % 10 == 0 ? (l == "c0" ? "c1" : "c0") : l).ToArray();
        var vectorPath = Path.Combine(Directory, "m.npy");
        var labelPath = Path.Combine(Directory, "m.txt");
        NpyFile.Write(vectorPath, vectors);
        LabelFile.Write(labelPath, noisy);
        var ingest = await Vm("ingest", "--memory", "m", "--create", "--vectors", vectorPath, "--labels", labelPath, "--source", source);
        Assert.Equal(0, ingest.Exit);
        return vectorPath;
    }

    [Fact]
    public async Task Prune_run_offenders_apply_and_rollback()
    {
        await Ingest(200, "set-a");
        var run = await Vm("prune", "run", "--memory", "m", "--k", "10", "--hard-threshold", "2");
        Assert.Equal(0, run.Exit);
        Assert.StartsWith("version 1: k 10, rank,", run.Output);

        var offenders = await Vm("prune", "offenders", "--memory", "m", "--version", "1", "--limit", "5");
        Assert.Equal(0, offenders.Exit);
        var lines = offenders.Output.Trim().Split('\n');
        Assert.InRange(lines.Length, 1, 5);
        Assert.All(lines, l => Assert.Contains(" v ", l));

        Assert.Contains("applied version 1 (hard)", (await Vm("prune", "apply", "--memory", "m", "--version", "1", "--mode", "hard")).Output);
        Assert.Contains("applied: version 1 (hard)", (await Vm("prune", "list", "--memory", "m")).Output);
        Assert.Contains("no pruning", (await Vm("prune", "rollback", "--memory", "m")).Output);

        var again = await Vm("prune", "rollback", "--memory", "m");
        Assert.Equal(4, again.Exit);
        Assert.Contains("409", again.Error);
        Assert.Equal(2, (await Vm("prune", "--memory", "m")).Exit);
        Assert.Equal(2, (await Vm("prune", "explode", "--memory", "m")).Exit);
    }

    [Fact]
    public async Task Unlearn_by_source_and_ids_is_logged()
    {
        var vectors = await Ingest(60, "licence-x");
        var ids = await Vm("unlearn", "--memory", "m", "--ids", "1,2,999");
        Assert.Equal(0, ids.Exit);
        Assert.Contains("unlearned 2 items", ids.Output);
        var source = await Vm("unlearn", "--memory", "m", "--source", "licence-x");
        Assert.Contains("unlearned 58 items", source.Output);
        var log = await Vm("unlearn", "--memory", "m", "--log");
        Assert.Equal(2, log.Output.Trim().Split('\n').Length);
        Assert.Contains("#2", log.Output);
        // Until a checkpoint, the log (write-ahead log) still holds the items.
        Assert.Contains("forgetting pending", log.Output);
        Assert.Equal(0, (await Vm("memory", "seal", "--memory", "m")).Exit);
        Assert.DoesNotContain("pending", (await Vm("unlearn", "--memory", "m", "--log")).Output);

        var classify = await Vm("classify", "--memory", "m", "--vectors", vectors, "--row", "0");
        Assert.Equal(4, classify.Exit);
        Assert.Contains("no items", classify.Error);
        Assert.Equal(2, (await Vm("unlearn", "--memory", "m", "--ids", "1", "--label", "c0")).Exit);
        Assert.Equal(2, (await Vm("unlearn", "--memory", "m", "--ids", "x")).Exit);
    }

    [Fact]
    public async Task Taxonomy_head_and_classify_extras()
    {
        var vectors = await Ingest(150, "s");
        var parents = Path.Combine(Directory, "parents.json");
        await File.WriteAllTextAsync(parents, """{"c0": "even", "c2": "even", "c1": "odd", "even": null, "odd": null}""");
        Assert.Equal(0, (await Vm("taxonomy", "--memory", "m", "--file", parents)).Exit);
        var head = await Vm("head", "train", "--memory", "m", "--epochs", "5", "--learning-rate", "0.01");
        Assert.Equal(0, head.Exit);
        Assert.Contains("3 classes x 8", head.Output);

        // A query that is not itself stored: stored ones leave no residual after subtracting themselves.
        var queries = Path.Combine(Directory, "q.npy");
        NpyFile.Write(queries, SyntheticClusters.Generate(5, 8, clusters: 3, spread: 0.6, seed: 2).Vectors);
        var classify = await Vm("classify", "--memory", "m", "--vectors", queries, "--row", "3", "--k", "30",
            "--hierarchy", "votes", "--residual", "--lambda", "0.5", "--explain");
        Assert.Equal(0, classify.Exit);
        Assert.Contains("levels:", classify.Output);
        Assert.Contains("residual:", classify.Output);
        Assert.True(classify.Output.Contains("source s", StringComparison.Ordinal), classify.Output);

        await File.WriteAllTextAsync(parents, """{"a": "b", "b": "a"}""");
        var cycle = await Vm("taxonomy", "--memory", "m", "--file", parents);
        Assert.Equal(4, cycle.Exit);
        Assert.Contains("cycle", cycle.Error, StringComparison.OrdinalIgnoreCase);
        await File.WriteAllTextAsync(parents, "not json");
        Assert.Equal(3, (await Vm("taxonomy", "--memory", "m", "--file", parents)).Exit);
        Assert.Equal(2, (await Vm("classify", "--memory", "m", "--vectors", vectors, "--lambda", "half")).Exit);
    }

    [Fact]
    public async Task Memory_show_seal_and_retrain_report_where_the_bytes_are()
    {
        await Ingest(120, "set-b");
        var show = await Vm("memory", "show", "--memory", "m");
        Assert.Equal(0, show.Exit);
        Assert.Contains("m: 120 items", show.Output);
        Assert.Contains("in 0 segments", show.Output);
        Assert.DoesNotContain("log 0 records", show.Output);
        var sealedNow = await Vm("memory", "seal", "--memory", "m");
        Assert.Contains("log 0 records", sealedNow.Output);
        Assert.DoesNotContain("in 0 segments", sealedNow.Output);
        var retrain = await Vm("memory", "retrain", "--memory", "m");
        Assert.Equal(0, retrain.Exit);
        Assert.Contains("m: 120 items", retrain.Output);
        Assert.Equal(4, (await Vm("memory", "show", "--memory", "nope")).Exit);
        Assert.Equal(2, (await Vm("memory", "explode", "--memory", "m")).Exit);
        Assert.Equal(2, (await Vm("memory", "--memory", "m")).Exit);
    }

    [Fact]
    public async Task Nodes_lists_this_node()
    {
        var nodes = await Vm("nodes");
        Assert.Equal(0, nodes.Exit);
        Assert.Contains("alive", nodes.Output);
        Assert.Contains("Coordinator, ShardHost", nodes.Output);
    }
}
