using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// What a bulk-ingest job loads: a list of parts, each either precomputed embeddings with their metadata, or
/// a listing of images to embed; file references are paths relative to the manifest (or keys in object
/// storage, as the job resolves them).
/// </summary>
/// <param name="Parts">The parts, in order; names must be unique (progress is recorded per part name).</param>
/// <param name="Taxonomy">Optional CSV of <c>child,parent</c> label pairs.</param>
public sealed record DatasetManifest(IReadOnlyList<DatasetPart> Parts, string? Taxonomy = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Parses and checks a manifest.</summary>
    /// <exception cref="InvalidDataFileException">Not JSON of this shape, or a part is inconsistent; the message lists every problem.</exception>
    public static DatasetManifest Parse(string json, string name)
    {
        DatasetManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DatasetManifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataFileException($"{name}: not a dataset manifest: {e.Message}", e);
        }
        if (manifest?.Parts is null)
        {
            throw new InvalidDataFileException($"{name}: a manifest needs \"parts\": [{{\"name\", \"vectors\" + \"metadata\" | \"images\"}}]");
        }
        var problems = manifest.Problems();
        return problems.Count == 0 ? manifest : throw new InvalidDataFileException($"{name}: {string.Join("; ", problems)}");
    }

    /// <summary>What is wrong with the manifest (empty when nothing).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Parts.Count == 0)
        {
            problems.Add("parts is empty");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            var where = $"parts[{i}]";
            if (part is null)
            {
                problems.Add($"{where} is null");
                continue;
            }
            if (string.IsNullOrWhiteSpace(part.Name))
            {
                problems.Add($"{where}.name is required");
            }
            else if (!seen.Add(part.Name))
            {
                problems.Add($"{where}.name '{part.Name}' is used twice");
            }
            switch (part.Kind)
            {
                case DatasetPartKind.Embeddings:
                    if (part.Metadata is null && (part.Ids is null || part.Labels is null))
                    {
                        problems.Add($"{where}: embeddings need \"metadata\" (CSV or JSONL with id, label, confidence, source) or \"ids\" and \"labels\" (.npy)");
                    }
                    if (part.Metadata is not null && (part.Ids ?? part.Labels ?? part.Confidence ?? part.Sources) is not null)
                    {
                        problems.Add($"{where}: give either \"metadata\" or the .npy columns, not both");
                    }
                    break;
                case DatasetPartKind.Images:
                    if ((part.Metadata ?? part.Ids ?? part.Labels ?? part.Confidence ?? part.Sources) is not null)
                    {
                        problems.Add($"{where}: an image part takes its ids, labels and URIs from its \"images\" listing only");
                    }
                    break;
                default:
                    problems.Add($"{where}: give \"vectors\" (.npy embeddings) or \"images\" (a JSONL or CSV listing), not both or neither");
                    break;
            }
        }
        return problems;
    }
}

/// <summary>One part of a dataset.</summary>
/// <param name="Name">Unique within the manifest; progress and errors are reported under it.</param>
/// <param name="Vectors">Embeddings, .npy float16/32 [N, D].</param>
/// <param name="Metadata">CSV (with a header) or JSONL rows of id, label, confidence, source, one per vector row.</param>
/// <param name="Ids">.npy integer ids [N] (instead of metadata).</param>
/// <param name="Labels">.npy labels [N]: strings, or integers used as label names.</param>
/// <param name="Confidence">.npy pseudo-label confidence [N] (optional).</param>
/// <param name="Sources">.npy source tags [N] (optional).</param>
/// <param name="Images">JSONL or CSV listing of id, uri, label, confidence, source: images to embed.</param>
public sealed record DatasetPart(
    string Name,
    string? Vectors = null,
    string? Metadata = null,
    string? Ids = null,
    string? Labels = null,
    string? Confidence = null,
    string? Sources = null,
    string? Images = null)
{
    /// <summary>Which kind of part this is, or <see cref="DatasetPartKind.Invalid"/> when it names both or neither.</summary>
    [JsonIgnore]
    public DatasetPartKind Kind => (Vectors, Images) switch
    {
        ({ }, null) => DatasetPartKind.Embeddings,
        (null, { }) => DatasetPartKind.Images,
        _ => DatasetPartKind.Invalid,
    };
}

/// <summary>What a part holds.</summary>
public enum DatasetPartKind
{
    /// <summary>Neither or both of vectors and images.</summary>
    Invalid,

    /// <summary>Precomputed embeddings plus metadata.</summary>
    Embeddings,

    /// <summary>A listing of images to embed.</summary>
    Images,
}
