namespace VisualMemory.Evaluation.Harness;

/// <summary>What the harness runs and at which sizes. <see cref="Full"/> and <see cref="Quick"/> are the two presets.</summary>
public sealed record HarnessOptions
{
    /// <summary>Every experiment at the dataset's full size.</summary>
    public static HarnessOptions Full { get; } = new();

    /// <summary>
    /// A smoke run that finishes in well under two minutes on two cores: at most 10,000 memory items
    /// and 1,000 queries, fewer k values and noise levels, half the training epochs.
    /// </summary>
    public static HarnessOptions Quick { get; } = new()
    {
        IsQuick = true,
        MaxTrain = 10_000,
        MaxTest = 1_000,
        Ks = [1, 3, 10, 30, 100],
        NoiseLevels = [0, 0.4, 0.8],
        LinearEpochs = 5,
    };

    /// <summary>Whether this is the quick preset (noted in the report).</summary>
    public bool IsQuick { get; init; }

    /// <summary>Experiments to run.</summary>
    public IReadOnlySet<ExperimentKind> Experiments { get; init; } = Enum.GetValues<ExperimentKind>().ToHashSet();

    /// <summary>Most training rows used (a seeded subsample beyond it).</summary>
    public int MaxTrain { get; init; } = int.MaxValue;

    /// <summary>Most test rows used (a seeded subsample beyond it).</summary>
    public int MaxTest { get; init; } = int.MaxValue;

    /// <summary>The k values of accuracy curves; one retrieval at the largest serves them all.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 2, 3, 5, 10, 20, 30, 50, 75, 100];

    /// <summary>Fractions of memory labels replaced by uniformly random labels.</summary>
    public IReadOnlyList<double> NoiseLevels { get; init; } = [0, 0.2, 0.4, 0.6, 0.8];

    /// <summary>The two k values of the single-k tables (new classes, unlearning, label noise).</summary>
    public IReadOnlyList<int> TableKs { get; init; } = [10, 100];

    /// <summary>Seeds every random choice (subsamples, deletions, noise, splits, training shuffle).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Classes the new-classes experiment holds out and adds back; null picks them from the dataset.</summary>
    public IReadOnlyList<string>? HeldOutClasses { get; init; }

    /// <summary>Fraction of the memory the unlearning experiment deletes by id (one source tag is deleted on top).</summary>
    public double UnlearnFraction { get; init; } = 0.05;

    /// <summary>Epochs of the JOINT-INF linear head.</summary>
    public int LinearEpochs { get; init; } = 10;

    /// <summary>Queries searched per call, which bounds the size of one search's result arrays.</summary>
    public int SearchBatch { get; init; } = 1000;

    /// <summary>Null when the options are usable, otherwise what is wrong.</summary>
    public string? Problem() =>
        MaxTrain < 2 || MaxTest < 2 ? "at least 2 train and 2 test rows are needed"
        : Ks.Count == 0 || Ks.Any(k => k is < 1 or > 1000) ? "k values must lie in 1..1000"
        : TableKs.Count == 0 || TableKs.Any(k => k is < 1 or > 1000) ? "table k values must lie in 1..1000"
        : NoiseLevels.Any(p => !(p >= 0 && p <= 1)) ? "noise levels must lie in [0, 1]"
        : !(UnlearnFraction >= 0 && UnlearnFraction < 1) ? "the unlearning fraction must lie in [0, 1)"
        : LinearEpochs < 1 ? "the linear head needs at least one epoch"
        : SearchBatch < 1 ? "the search batch must be at least 1"
        : null;

    /// <summary>The largest k any experiment retrieves.</summary>
    public int MaxK => Math.Max(Math.Max(Ks.Max(), TableKs.Max()), InfluenceK + 1);

    /// <summary>k of the privacy audit (research.md §2 reports it for the usual kNN setting).</summary>
    public int InfluenceK { get; init; } = 10;

    /// <summary>k of the kNN distribution in JOINT-INF.</summary>
    public int JointK { get; init; } = 100;
}
