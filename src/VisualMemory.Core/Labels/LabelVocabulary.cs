namespace VisualMemory.Core.Labels;

/// <summary>
/// The labels a memory has seen, each with a stable small integer index. Shards store the index,
/// not the string. New labels are added on first use, so a new class needs no extra step.
/// Thread-safe.
/// </summary>
public sealed class LabelVocabulary
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _indexOf = new(StringComparer.Ordinal);
    private readonly List<string> _labels = [];

    /// <summary>Number of distinct labels seen.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _labels.Count;
            }
        }
    }

    /// <summary>The index of <paramref name="label"/>, adding it if it is new.</summary>
    public int GetOrAdd(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        lock (_gate)
        {
            if (!_indexOf.TryGetValue(label, out var index))
            {
                index = _labels.Count;
                _labels.Add(label);
                _indexOf.Add(label, index);
            }
            return index;
        }
    }

    /// <summary>The index of a known label, or false.</summary>
    public bool TryGetIndex(string label, out int index)
    {
        lock (_gate)
        {
            return _indexOf.TryGetValue(label, out index);
        }
    }

    /// <summary>The label string at <paramref name="index"/>.</summary>
    public string this[int index]
    {
        get
        {
            lock (_gate)
            {
                return _labels[index];
            }
        }
    }

    /// <summary>A copy of all labels in index order.</summary>
    public IReadOnlyList<string> ToList()
    {
        lock (_gate)
        {
            return [.. _labels];
        }
    }
}
