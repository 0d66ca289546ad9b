using System.Globalization;
using System.Text.Json;
using VisualMemory.Datasets.Ingest;

namespace VisualMemory.Datasets;

/// <summary>
/// A JSON Lines listing of labelled images, one object a line:
/// <c>{"id": 0, "uri": "train-images/00000.png", "label": "ankle-boot", "confidence": 0.9, "source": "fmnist"}</c>
/// (<c>confidence</c> and <c>source</c> optional). A relative <c>uri</c> is relative to the listing's
/// directory, so a prepared dataset can be moved as a whole. <c>vm prepare --images</c> writes it;
/// <c>vm ingest --images</c> and <c>vm eval --images</c> read it.
/// </summary>
public static class ImageListing
{
    /// <summary>One image of a listing.</summary>
    /// <param name="Id">The item id it gets in a memory.</param>
    /// <param name="Uri">The image file, relative to the listing or absolute.</param>
    /// <param name="Label">Its label.</param>
    /// <param name="Confidence">How sure the label is, in [0, 1], when known.</param>
    /// <param name="Source">Where it came from (the unit of unlearning), when known.</param>
    public sealed record Entry(long Id, string Uri, string Label, double? Confidence = null, string? Source = null);

    /// <summary>Writes <paramref name="entries"/> to <paramref name="path"/>, one JSON object a line, optional fields only when set.</summary>
    public static void Write(string path, IEnumerable<Entry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var file = File.Create(path);
        foreach (var entry in entries)
        {
            using (var json = new Utf8JsonWriter(file))
            {
                json.WriteStartObject();
                json.WriteNumber("id", entry.Id);
                json.WriteString("uri", entry.Uri);
                json.WriteString("label", entry.Label);
                if (entry.Confidence is { } confidence)
                {
                    json.WriteNumber("confidence", confidence);
                }
                if (entry.Source is not null)
                {
                    json.WriteString("source", entry.Source);
                }
                json.WriteEndObject();
            }
            file.WriteByte((byte)'\n');
        }
    }

    /// <summary>
    /// Reads the listing at <paramref name="path"/> (JSONL; CSV with a header when the name ends in .csv), with the
    /// same row rules as an ingest job's image parts (<see cref="MetadataReader"/>); blank lines are skipped.
    /// Unlike a job, which counts a bad row and goes on, a listing given to the CLI must be right as a whole.
    /// </summary>
    /// <exception cref="InvalidDataFileException">The file is missing, or a line is not a valid entry (the message names the line).</exception>
    public static IReadOnlyList<Entry> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataFileException($"{path}: not found");
        }
        var entries = new List<Entry>();
        using var reader = new MetadataReader(File.OpenRead(path), path, requireUri: true);
        while (reader.Next() is { } row)
        {
            if (row.Error is { } error)
            {
                throw new InvalidDataFileException(string.Create(CultureInfo.InvariantCulture, $"{path}:{reader.LineNumber}: {error}"));
            }
            entries.Add(new Entry(row.Id, row.Uri!, row.Label, row.Confidence, row.Source));
        }
        return entries;
    }

    /// <summary>The file <paramref name="entry"/> names: its uri resolved against the directory of <paramref name="listingPath"/>.</summary>
    public static string Resolve(string listingPath, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var uri = entry.Uri.StartsWith("file://", StringComparison.Ordinal) ? new Uri(entry.Uri).LocalPath : entry.Uri;
        return Path.IsPathRooted(uri) ? uri : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(listingPath))!, uri);
    }
}
