using VisualMemory.Datasets;
using VisualMemory.Evaluation.Data;

namespace VisualMemory.Evaluation.Tests;

public sealed class LabelledDatasetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-dataset-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Subsample_is_seeded_and_keeps_rows_with_their_labels()
    {
        var full = SyntheticDataset.Create();
        var a = full.Subsample(100, 20, seed: 5);
        var b = full.Subsample(100, 20, seed: 5);
        Assert.Equal(100, a.TrainCount);
        Assert.Equal(20, a.TestCount);
        Assert.Equal(a.TrainVectors.ToArray(), b.TrainVectors.ToArray());
        Assert.Same(full, full.Subsample(1000, 1000, seed: 5));
        // Row 0 of the subsample is some row of the original, with that row's label.
        var row = Enumerable.Range(0, full.TrainCount).Single(r => full.TrainRow(r).SequenceEqual(a.TrainRow(0)));
        Assert.Equal(full.TrainLabels[row], a.TrainLabels[0]);
    }

    [Fact]
    public void Loads_a_directory_of_vector_and_label_files()
    {
        var full = SyntheticDataset.Create(train: 30, test: 10);
        NpyFile.Write(Path.Combine(_directory, "train.npy"), new VectorSet(30, 16, full.TrainVectors.ToArray()));
        LabelFile.Write(Path.Combine(_directory, "train-labels.txt"), full.TrainLabels);
        NpyFile.Write(Path.Combine(_directory, "test.npy"), new VectorSet(10, 16, full.TestVectors.ToArray()));
        LabelFile.Write(Path.Combine(_directory, "test-labels.txt"), full.TestLabels);
        var loaded = DatasetSpec.Load(_directory);
        Assert.Equal(Path.GetFileName(_directory), loaded.Name);
        Assert.Equal(full.TestVectors.ToArray(), loaded.TestVectors.ToArray());
        Assert.Equal(["c2", "c3"], DatasetSpec.DefaultHeldOutClasses(loaded));
    }

    [Fact]
    public void Missing_files_and_mismatched_shapes_are_refused()
    {
        Assert.Throws<InvalidDataFileException>(() => DatasetSpec.Load(Path.Combine(_directory, "nope")));
        Assert.Throws<ArgumentException>(() => new LabelledDataset("x", new float[5], ["a"], new float[4], ["b"], 4));
    }
}
