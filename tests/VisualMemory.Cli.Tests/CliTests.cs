using VisualMemory.Datasets;

namespace VisualMemory.Cli.Tests;

public sealed class CliTests : CliHarness
{
    private (string Vectors, string Labels) WriteDataset(string name, int rows, int seed)
    {
        var (vectors, labels) = SyntheticClusters.Generate(rows, 8, clusters: 3, spread: 0.3, seed);
        var vectorPath = Path.Combine(Directory, name + ".npy");
        var labelPath = Path.Combine(Directory, name + ".txt");
        NpyFile.Write(vectorPath, vectors);
        LabelFile.Write(labelPath, labels);
        return (vectorPath, labelPath);
    }

    [Fact]
    public async Task Ingest_then_eval_and_classify_through_the_api()
    {
        var (vectors, labels) = WriteDataset("memory", 300, seed: 1);
        var (queries, queryLabels) = WriteDataset("queries", 60, seed: 1);
        var ingest = await Vm("ingest", "--memory", "m", "--create", "--vectors", vectors, "--labels", labels, "--batch", "64", "--seal");
        Assert.Equal(0, ingest.Exit);
        Assert.Contains("ingested 300 items", ingest.Output);
        Assert.Contains("sealed 300 rows", ingest.Output);

        var eval = await Vm("eval", "--memory", "m", "--queries", queries, "--labels", queryLabels, "--k", "1,5");
        Assert.Equal(0, eval.Exit);
        // The queries are the memory's own first rows with the same cluster labels: 1-NN is exact.
        var rankRow = eval.Output.Split('\n').Single(l => l.StartsWith("rank", StringComparison.Ordinal));
        Assert.Contains("100.00", rankRow);

        var classify = await Vm("classify", "--memory", "m", "--vectors", queries, "--row", "1", "--explain", "--k", "3");
        Assert.Equal(0, classify.Exit);
        Assert.StartsWith("c1\tconfidence", classify.Output);
        Assert.Equal(4, classify.Output.Trim().Split('\n').Length);
    }

    [Fact]
    public async Task Fvecs_files_ingest_too()
    {
        var (vectors, labels) = SyntheticClusters.Generate(50, 8, 2, 0.3, seed: 2);
        var path = Path.Combine(Directory, "v.fvecs");
        FvecsFile.Write(path, vectors);
        Assert.Equal(vectors.Data, FvecsFile.Read(path).Data);
        var labelPath = Path.Combine(Directory, "v.txt");
        LabelFile.Write(labelPath, labels);
        Assert.Equal(0, (await Vm("ingest", "--memory", "f", "--create", "--vectors", path, "--labels", labelPath)).Exit);
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        Assert.Equal(2, (await Vm()).Exit);
        Assert.Equal(2, (await Vm("frobnicate")).Exit);
        var missing = await Vm("ingest", "--memory", "m");
        Assert.Equal(2, missing.Exit);
        Assert.Contains("--vectors is required", missing.Error);
        Assert.Equal(2, (await Vm("eval", "--memory", "m", "--queries", "q.npy", "--labels", "l", "--k", "x")).Exit);
    }

    [Fact]
    public async Task Bad_data_files_exit_3_naming_the_file()
    {
        var bogus = Path.Combine(Directory, "bogus.npy");
        await File.WriteAllTextAsync(bogus, "not numpy");
        var (_, labels) = WriteDataset("ok", 10, seed: 3);
        var result = await Vm("ingest", "--memory", "m", "--vectors", bogus, "--labels", labels);
        Assert.Equal(3, result.Exit);
        Assert.Contains("bogus.npy", result.Error);

        var (vectors, _) = WriteDataset("short", 10, seed: 3);
        var fewLabels = Path.Combine(Directory, "few.txt");
        await File.WriteAllLinesAsync(fewLabels, ["a", "b"]);
        Assert.Equal(3, (await Vm("ingest", "--memory", "m", "--vectors", vectors, "--labels", fewLabels)).Exit);
        Assert.Equal(3, (await Vm("ingest", "--memory", "m", "--vectors", Path.Combine(Directory, "x.csv"), "--labels", fewLabels)).Exit);
    }

    [Fact]
    public async Task Server_refusals_exit_4_with_the_problem_detail_and_store_nothing()
    {
        var (vectors, labels) = WriteDataset("d", 20, seed: 4);
        Assert.Equal(0, (await Vm("ingest", "--memory", "m", "--create", "--vectors", vectors, "--labels", labels)).Exit);
        var wrongDimension = await Vm("classify", "--memory", "m", "--vector", "1,2,3");
        Assert.Equal(4, wrongDimension.Exit);
        Assert.Contains("expected 8 components", wrongDimension.Error);
        var unknown = await Vm("classify", "--memory", "nope", "--vector", "1,2,3");
        Assert.Equal(4, unknown.Exit);
        Assert.Contains("404", unknown.Error);
    }

    [Fact]
    public void Npy_round_trips_and_rejects_other_dtypes()
    {
        var set = new VectorSet(2, 3, [1, 2, 3, 4, 5, 6]);
        var path = Path.Combine(Directory, "x.npy");
        NpyFile.Write(path, set);
        var back = NpyFile.Read(path);
        Assert.Equal((2, 3), (back.Rows, back.Dimension));
        Assert.Equal(set.Data, back.Data);

        var bytes = File.ReadAllBytes(path);
        var header = System.Text.Encoding.Latin1.GetString(bytes);
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(header.Replace("<f4", "<f8", StringComparison.Ordinal)));
        Assert.Contains("float32", Assert.Throws<InvalidDataFileException>(() => NpyFile.Read(path)).Message);
        File.WriteAllBytes(path, bytes[..^4]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataFileException>(() => NpyFile.Read(path)).Message);
    }

    [Fact]
    public void Numpy_written_files_are_read_identically()
    {
        var path = Path.Combine(Directory, "numpy.npy");
        var python = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/python3",
            ["-c", $"import numpy as np; np.save('{path}', np.arange(12, dtype=np.float32).reshape(3, 4) / 7)"]))!;
        python.WaitForExit();
        Assert.Equal(0, python.ExitCode);
        var set = NpyFile.Read(path);
        Assert.Equal((3, 4), (set.Rows, set.Dimension));
        Assert.Equal(11f / 7, set.Data[11], 6);
    }
}
