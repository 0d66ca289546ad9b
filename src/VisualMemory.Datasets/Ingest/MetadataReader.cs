using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VisualMemory.Datasets.Ingest;

/// <summary>
/// Reads a part's rows of id, label, confidence, source (and uri for image listings) from CSV with a header
/// line or from JSONL, one row at a time. A malformed row becomes a <see cref="MetadataRow"/> with an error,
/// never an exception, so one bad line does not sink a job.
/// </summary>
public sealed class MetadataReader : IDisposable
{
    private const int MaxLabelLength = 256;
    private readonly StreamReader _reader;
    private readonly bool _csv;
    private readonly bool _requireUri;
    private readonly string[] _columns = [];
    private long _row;
    private long _line;

    /// <summary>Opens <paramref name="stream"/>; CSV when <paramref name="name"/> ends in .csv, JSONL otherwise.</summary>
    /// <exception cref="InvalidDataFileException">A CSV header without the id and label columns (or uri, for images).</exception>
    public MetadataReader(Stream stream, string name, bool requireUri)
    {
        ArgumentNullException.ThrowIfNull(name);
        _reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        _csv = name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        _requireUri = requireUri;
        if (_csv)
        {
            var header = _reader.ReadLine();
            _line++;
            _columns = header is null ? [] : [.. SplitCsv(header)!.Select(c => c.Trim().ToLowerInvariant())];
            var needed = requireUri ? new[] { "id", "uri", "label" } : ["id", "label"];
            var missing = needed.Where(c => !_columns.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                _reader.Dispose();
                throw new InvalidDataFileException($"{name}: the CSV header must name the columns {string.Join(", ", needed)} (optional: confidence, source); missing {string.Join(", ", missing)}");
            }
        }
    }

    /// <summary>Rows read so far.</summary>
    public long RowsRead => _row;

    /// <summary>The one-based line of the file the last row came from (a CSV header and blank JSONL lines count), for messages to people.</summary>
    public long LineNumber => _line;

    /// <summary>The next row, or null at the end.</summary>
    public MetadataRow? Next()
    {
        while (_reader.ReadLine() is { } line)
        {
            _line++;
            if (!_csv && string.IsNullOrWhiteSpace(line))
            {
                continue;   // blank lines between JSON objects are allowed and not rows
            }
            var row = _row++;
            return _csv ? FromCsv(row, line) : FromJson(row, line);
        }
        return null;
    }

    /// <summary>Closes the stream.</summary>
    public void Dispose() => _reader.Dispose();

    private MetadataRow FromCsv(long row, string line)
    {
        var cells = SplitCsv(line);
        if (cells is null)
        {
            return MetadataRow.Bad(row, "unterminated quoted field");
        }
        if (cells.Count != _columns.Length)
        {
            return MetadataRow.Bad(row, $"{cells.Count} fields, the header has {_columns.Length}");
        }
        string? Cell(string column) => Array.IndexOf(_columns, column) is >= 0 and var i && cells[i].Length > 0 ? cells[i] : null;
        return Build(row, Cell("id"), Cell("label"), Cell("confidence"), Cell("source"), Cell("uri"));
    }

    private MetadataRow FromJson(long row, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return MetadataRow.Bad(row, "not a JSON object");
            }
            string? Field(string name) => document.RootElement.TryGetProperty(name, out var value)
                ? value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => value.GetRawText(),
                }
                : null;
            return Build(row, Field("id"), Field("label"), Field("confidence"), Field("source"), Field("uri"));
        }
        catch (JsonException e)
        {
            return MetadataRow.Bad(row, $"not JSON: {e.Message}");
        }
    }

    private MetadataRow Build(long row, string? id, string? label, string? confidence, string? source, string? uri)
    {
        if (id is null || !long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsedId))
        {
            return MetadataRow.Bad(row, id is null ? "id is missing" : $"id '{Clip(id)}' is not a 64-bit integer");
        }
        if (string.IsNullOrWhiteSpace(label))
        {
            return MetadataRow.Bad(row, "label is missing");
        }
        if (label.Length > MaxLabelLength)
        {
            return MetadataRow.Bad(row, $"label is longer than {MaxLabelLength} characters");
        }
        float? parsedConfidence = null;
        if (confidence is not null)
        {
            if (!float.TryParse(confidence, NumberStyles.Float, CultureInfo.InvariantCulture, out var c) || !(c >= 0 && c <= 1))
            {
                return MetadataRow.Bad(row, $"confidence '{Clip(confidence)}' is not a number in [0, 1]");
            }
            parsedConfidence = c;
        }
        if (_requireUri && string.IsNullOrWhiteSpace(uri))
        {
            return MetadataRow.Bad(row, "uri is missing");
        }
        return new MetadataRow(row, parsedId, label, parsedConfidence, source, uri);
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "…";

    // RFC 4180 fields: commas separate, double quotes enclose, "" is a quote; null when a quote is left open.
    private static List<string>? SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        if (quoted)
        {
            return null;
        }
        cells.Add(cell.ToString().TrimEnd('\r'));
        return cells;
    }
}
