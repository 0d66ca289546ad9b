using System.Text.RegularExpressions;
using VisualMemory.Core.Validation;
using VisualMemory.Faiss;

namespace VisualMemory.Engine;

/// <summary>What a memory is: its name, vector dimension, FAISS index description, shard count and default nprobe.</summary>
/// <param name="Name">Unique name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters.</param>
/// <param name="Dimension">Embedding dimension, 1..65536.</param>
/// <param name="Index">FAISS factory description of sealed segments, e.g. "IVF256,PQ16" or "Flat". The metric is always cosine.</param>
/// <param name="Shards">Number of shards, 1..256.</param>
/// <param name="NProbe">IVF lists visited per query unless a request says otherwise.</param>
/// <param name="Center">
/// Optional feature mean subtracted from every item and query before L2 normalisation (Jia et al.,
/// research.md §3); null for none. Fixed at creation because stored codes depend on it.
/// </param>
/// <param name="Model">The embedding model images are embedded with for this memory, or null when callers send vectors only.</param>
public sealed partial record MemoryDefinition(string Name, int Dimension, string Index, int Shards, int NProbe, IReadOnlyList<float>? Center = null,
    EmbeddingModelReference? Model = null)
{
    /// <summary>The largest dimension accepted.</summary>
    public const int MaxDimension = 65536;

    /// <summary>The largest shard count accepted on one node.</summary>
    public const int MaxShards = 256;

    /// <summary>Everything wrong with the definition, checked against FAISS itself for the index description.</summary>
    public IReadOnlyList<FieldProblem> Problems()
    {
        var problems = new List<FieldProblem>();
        if (string.IsNullOrEmpty(Name) || !NamePattern().IsMatch(Name))
        {
            problems.Add(new("name", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"));
        }
        if (Dimension is < 1 or > MaxDimension)
        {
            problems.Add(new("dimension", $"must be between 1 and {MaxDimension}"));
        }
        if (Shards is < 1 or > MaxShards)
        {
            problems.Add(new("shards", $"must be between 1 and {MaxShards}"));
        }
        if (NProbe < 1)
        {
            problems.Add(new("nprobe", "must be at least 1"));
        }
        if (Center is not null && (Center.Count != Dimension || Center.Any(c => !float.IsFinite(c))))
        {
            problems.Add(new("center", $"must hold {Dimension} finite numbers, one per dimension"));
        }
        if (Model is not null)
        {
            problems.AddRange(Model.Problems());
        }
        if (string.IsNullOrWhiteSpace(Index))
        {
            problems.Add(new("index", "must be a FAISS factory description such as \"Flat\" or \"IVF256,PQ16\""));
        }
        else if (Dimension is >= 1 and <= MaxDimension)
        {
            try
            {
                using var probe = FaissIndex.Create(Dimension, Index);
            }
            catch (FaissException e)
            {
                problems.Add(new("index", $"FAISS rejected \"{Index}\" for dimension {Dimension}: {e.Message}"));
            }
        }
        return problems;
    }

    /// <summary>
    /// Rows as the memory compares them: minus <see cref="Center"/> when set, then L2-normalised.
    /// Returns a copy. A coordinator without the memory's data preprocesses with this too, so its
    /// queries match the node's own bit for bit.
    /// </summary>
    public float[] Preprocess(ReadOnlySpan<float> rows)
    {
        var copy = rows.ToArray();
        if (Center is { } center)
        {
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] -= center[i % Dimension];
            }
        }
        Core.Vectors.VectorMath.NormalizeRows(copy, Dimension);
        return copy;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
