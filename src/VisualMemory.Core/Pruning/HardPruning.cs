namespace VisualMemory.Core.Pruning;

/// <summary>
/// Hard pruning (research.md §1): remove memory samples whose wrong-contribution count v reaches a
/// threshold. The paper used 128, which removed 26,257 of ImageNet's 1,281,167 training images.
/// </summary>
public static class HardPruning
{
    /// <summary>The paper's threshold.</summary>
    public const int PaperThreshold = 128;

    /// <summary>The lowest threshold <see cref="AutoThreshold"/> picks.</summary>
    public const int MinimumAutoThreshold = 2;

    /// <summary>Samples the paper removed from ImageNet-1K's training set.</summary>
    public const long PaperRemoved = 26_257;

    /// <summary>Size of ImageNet-1K's training set, the paper's memory.</summary>
    public const long PaperMemorySize = 1_281_167;

    /// <summary>
    /// The threshold to use: <paramref name="explicitThreshold"/> when given, otherwise
    /// <see cref="AutoThreshold"/>.
    /// </summary>
    public static int ResolveThreshold(int? explicitThreshold, IReadOnlyDictionary<long, int> counts, long memorySize)
    {
        if (explicitThreshold is { } threshold)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1, nameof(explicitThreshold));
            return threshold;
        }
        return AutoThreshold(counts, memorySize);
    }

    /// <summary>
    /// min(128, max(2, t)), where t is the smallest v such that at most the paper's fraction
    /// (26,257 / 1,281,167 ≈ 2.05%) of the <paramref name="memorySize"/> samples have a count ≥ t.
    /// </summary>
    /// <remarks>
    /// v is bounded by how often a sample is retrieved, which depends on k and on how often queries
    /// fail, so in a small or easy memory hardly any sample reaches 128 and the paper's threshold
    /// would prune nothing. Aiming at the paper's removed fraction transfers its intent instead;
    /// the cap keeps the paper's rule for memories where 128 already selects few enough samples
    /// (a sample with v ≥ 128 is an offender by the paper's standard whatever the memory), and
    /// the floor of 2 keeps a single wrong vote, which a sample near a class boundary casts by
    /// chance, from ever being enough.
    /// </remarks>
    /// <param name="counts">v per sample id; absent ids have v = 0.</param>
    /// <param name="memorySize">Samples in the memory, including those never blamed; not less than the ids with v &gt; 0.</param>
    public static int AutoThreshold(IReadOnlyDictionary<long, int> counts, long memorySize)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var blamed = PositiveCountsDescending(counts);
        if (memorySize < blamed.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(memorySize), memorySize, "the memory is smaller than the number of samples with a count");
        }
        // Integer arithmetic, so a memory the paper's size allows exactly the paper's 26,257.
        var allowed = (long)((Int128)memorySize * PaperRemoved / PaperMemorySize);
        // The samples with v ≥ t form a prefix of the descending list; that prefix holds at most
        // `allowed` samples exactly when t exceeds the entry just past the first `allowed`.
        var smallest = allowed < blamed.Count ? blamed[(int)allowed] + 1 : 1;
        return Math.Min(PaperThreshold, Math.Max(MinimumAutoThreshold, smallest));
    }

    /// <summary>The ids with v ≥ <paramref name="threshold"/> (at least 1), in ascending id order.</summary>
    public static IReadOnlyList<long> Select(IReadOnlyDictionary<long, int> counts, int threshold)
    {
        ArgumentNullException.ThrowIfNull(counts);
        // Threshold 0 would select the never-blamed samples too, which the counts do not list.
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var selected = new List<long>();
        foreach (var (id, v) in counts)
        {
            if (v >= threshold)
            {
                selected.Add(id);
            }
        }
        selected.Sort();
        return selected;
    }

    private static List<int> PositiveCountsDescending(IReadOnlyDictionary<long, int> counts)
    {
        var values = new List<int>(counts.Count);
        foreach (var v in counts.Values)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(counts));
            if (v > 0)
            {
                values.Add(v);
            }
        }
        values.Sort((a, b) => b.CompareTo(a));
        return values;
    }
}
