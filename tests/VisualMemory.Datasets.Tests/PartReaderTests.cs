using System.Diagnostics;
using System.Text;
using VisualMemory.Datasets;
using VisualMemory.Datasets.Ingest;

namespace VisualMemory.Datasets.Tests;

public sealed class PartReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-parts-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Stream Open(string file) => File.OpenRead(Path.Combine(_directory, file));

    // numpy writes the files, so the reader is checked against the format's own implementation.
    private void Python(string code)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = _directory };
        using var process = Process.Start(start)!;
        process.StandardInput.Write("import numpy as np\n" + code.Replace("\n            ", "\n", StringComparison.Ordinal));
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }

    private static List<IngestChunk> ReadAll(PartReader reader, int chunk)
    {
        var chunks = new List<IngestChunk>();
        while (reader.ReadChunk(chunk) is { } next)
        {
            chunks.Add(next);
        }
        return chunks;
    }

    [Fact]
    public void Float16_embeddings_with_npy_columns_read_in_chunks_equal_numpy()
    {
        Python("""
            rng = np.random.default_rng(3)
            v = rng.standard_normal((10, 6)).astype(np.float16)
            np.save("v.npy", v)
            np.save("ids.npy", np.arange(100, 110, dtype=np.int64))
            np.save("labels.npy", np.array(["cat", "dog"] * 5))
            np.save("conf.npy", np.linspace(0, 1, 10).astype(np.float32))
            np.savetxt("expected.txt", v.astype(np.float32).reshape(-1))
            """);
        var part = new DatasetPart("p", Vectors: "v.npy", Ids: "ids.npy", Labels: "labels.npy", Confidence: "conf.npy");
        using var reader = PartReader.Open(part, Open);
        Assert.Equal(10, reader.TotalRows);
        Assert.Equal(6, reader.Dimension);
        var chunks = ReadAll(reader, 4);
        Assert.Equal([4, 4, 2], chunks.Select(c => c.RowsRead));
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (long)i), chunks.SelectMany(c => c.Ids));
        Assert.Equal("dog", chunks[0].Labels[1]);
        Assert.Equal(1f, chunks[2].Confidence[1]!.Value, 5);
        var expected = File.ReadAllLines(Path.Combine(_directory, "expected.txt")).Select(l => float.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, chunks.SelectMany(c => c.Vectors!));
        Assert.Empty(chunks.SelectMany(c => c.Errors));
    }

    [Fact]
    public void Malformed_metadata_rows_and_bad_vectors_are_errors_with_their_row_numbers_not_exceptions()
    {
        Python("""
            v = np.ones((7, 3), dtype=np.float32)
            v[2] = np.nan
            v[4] = 0
            np.save("v.npy", v)
            """);
        File.WriteAllText(Path.Combine(_directory, "m.csv"), """"
            id,label,confidence,source
            1,cat,0.9,web
            x,cat,0.9,web
            3,dog,0.5,
            4,,0.5,web
            5,dog,0.5,web
            6,"quoted, label",1.5,web
            7,"a ""b""",0.1,web
            8,extra,0.2,web
            """".Replace("\r", "", StringComparison.Ordinal));
        using var reader = PartReader.Open(new DatasetPart("p", Vectors: "v.npy", Metadata: "m.csv"), Open);
        var chunks = ReadAll(reader, 3);
        var errors = chunks.SelectMany(c => c.Errors).ToDictionary(e => e.Row, e => e.Message);
        Assert.Equal([1L, 2, 3, 4, 5, 7], errors.Keys.Order());
        Assert.Contains("not a 64-bit integer", errors[1], StringComparison.Ordinal);
        Assert.Contains("NaN", errors[2], StringComparison.Ordinal);
        Assert.Contains("label is missing", errors[3], StringComparison.Ordinal);
        Assert.Contains("all zeros", errors[4], StringComparison.Ordinal);
        Assert.Contains("confidence", errors[5], StringComparison.Ordinal);
        Assert.Contains("no vector", errors[7], StringComparison.Ordinal);
        Assert.Equal([1L, 7], chunks.SelectMany(c => c.Ids));
        Assert.Equal("a \"b\"", chunks.SelectMany(c => c.Labels).Last());
        Assert.Equal(8, chunks.Sum(c => c.RowsRead));
    }

    [Fact]
    public void An_image_listing_in_jsonl_or_csv_gives_ids_uris_labels_and_a_filter_drops_rows_by_confidence_and_label()
    {
        File.WriteAllLines(Path.Combine(_directory, "images.jsonl"),
        [
            """{"id": 1, "uri": "a.png", "label": "cat", "confidence": 0.95}""",
            """{"id": 2, "uri": "b.png", "label": "dog", "confidence": 0.2}""",
            "",
            """{"id": 3, "label": "dog"}""",
            "not json",
            """{"id": 4, "uri": "d.png", "label": "bird", "source": "s1"}""",
        ]);
        using var reader = PartReader.Open(new DatasetPart("imgs", Images: "images.jsonl"), Open);
        var chunk = reader.ReadChunk(100)!;
        Assert.Null(reader.ReadChunk(100));
        Assert.Equal(5, chunk.RowsRead);
        Assert.Equal(["a.png", "b.png", "d.png"], chunk.Uris!);
        Assert.Equal([2L, 3], chunk.Errors.Select(e => e.Row));
        Assert.Equal("s1", chunk.Sources[2]);

        var (kept, filtered) = new IngestFilter(MinConfidence: 0.5f).Apply(chunk);
        Assert.Equal([1L, 4], kept.Ids);
        Assert.Equal(1, filtered);
        (kept, filtered) = new IngestFilter(Labels: new HashSet<string> { "dog", "bird" }).Apply(chunk);
        Assert.Equal([2L, 4], kept.Ids);
        Assert.Equal(1, filtered);

        File.WriteAllText(Path.Combine(_directory, "images.csv"), "id,uri,label\n9,x/y.png,cat\n");
        using var csv = PartReader.Open(new DatasetPart("c", Images: "images.csv"), Open);
        Assert.Equal(["x/y.png"], csv.ReadChunk(10)!.Uris!);
    }

    [Fact]
    public void A_resumed_reader_skips_rows_and_continues_with_the_same_rows()
    {
        Python("""
            np.save("v.npy", np.arange(40, dtype=np.float32).reshape(20, 2) + 1)
            np.save("ids.npy", np.arange(20, dtype=np.int32))
            np.save("labels.npy", np.arange(20, dtype=np.int64) % 3)
            """);
        var part = new DatasetPart("p", Vectors: "v.npy", Ids: "ids.npy", Labels: "labels.npy");
        using var reader = PartReader.Open(part, Open);
        reader.Skip(13);
        var rest = ReadAll(reader, 5);
        Assert.Equal(Enumerable.Range(13, 7).Select(i => (long)i), rest.SelectMany(c => c.Ids));
        Assert.Equal(13, rest[0].FirstRow);
        Assert.Equal("1", rest[0].Labels[0]);
        Assert.Equal([27f, 28f], rest[0].Vectors![..2]);
    }

    [Fact]
    public void Parts_that_cannot_be_opened_and_bad_manifests_say_what_is_wrong()
    {
        Python("""
            np.save("v.npy", np.ones((5, 2), dtype=np.float32))
            np.save("ids4.npy", np.arange(4))
            np.save("vi.npy", np.ones((5, 2), dtype=np.int32))
            np.save("fortran.npy", np.asfortranarray(np.ones((5, 2), dtype=np.float32)))
            """);
        File.WriteAllText(Path.Combine(_directory, "bad.csv"), "id,name\n1,x\n");
        File.WriteAllBytes(Path.Combine(_directory, "short.npy"), File.ReadAllBytes(Path.Combine(_directory, "v.npy"))[..20]);
        var cases = new (DatasetPart Part, string Expected)[]
        {
            (new("p", Vectors: "v.npy", Ids: "ids4.npy", Labels: "ids4.npy"), "4x1 values for 5 vectors"),
            (new("p", Vectors: "vi.npy", Metadata: "bad.csv"), "float16 or float32"),
            (new("p", Vectors: "v.npy", Metadata: "bad.csv"), "missing label"),
            (new("p", Vectors: "fortran.npy", Metadata: "bad.csv"), "Fortran"),
            (new("p", Vectors: "short.npy", Metadata: "bad.csv"), "truncated"),
        };
        foreach (var (part, expected) in cases)
        {
            var e = Assert.Throws<InvalidDataFileException>(() => PartReader.Open(part, Open).Dispose());
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        Assert.Throws<FileNotFoundException>(() => PartReader.Open(new DatasetPart("p", Images: "nope.jsonl"), Open));

        var manifest = DatasetManifest.Parse("""{"parts": [{"name": "a", "vectors": "v.npy", "metadata": "m.csv"}, {"name": "b", "images": "i.jsonl"}]}""", "m.json");
        Assert.Equal(DatasetPartKind.Images, manifest.Parts[1].Kind);
        var bad = Assert.Throws<InvalidDataFileException>(() => DatasetManifest.Parse(
            """{"parts": [{"name": "a", "vectors": "v.npy"}, {"name": "a", "images": "i.jsonl", "labels": "l.npy"}, {"name": "c"}]}""", "m.json"));
        Assert.Contains("need \"metadata\"", bad.Message, StringComparison.Ordinal);
        Assert.Contains("used twice", bad.Message, StringComparison.Ordinal);
        Assert.Contains("\"images\" listing only", bad.Message, StringComparison.Ordinal);
        Assert.Contains("not both or neither", bad.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataFileException>(() => DatasetManifest.Parse("[1]", "m.json"));
    }
}
