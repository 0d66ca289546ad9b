using System.Text;

namespace VisualMemory.Evaluation.Reporting;

/// <summary>Renders a header and rows as a GitHub-flavoured markdown table.</summary>
public static class MarkdownTable
{
    /// <summary>
    /// The table as markdown, one line per row, each ending in a newline. '|' in a cell is escaped
    /// as "\|" and line breaks become spaces, since either would otherwise split the table. A row
    /// shorter than the header is padded with empty cells; a null cell is empty.
    /// </summary>
    /// <param name="header">Column titles; at least one.</param>
    /// <param name="rows">The rows, each at most as long as <paramref name="header"/>.</param>
    public static string Render(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        if (header.Count == 0)
        {
            throw new ArgumentException("a table needs at least one column", nameof(header));
        }
        var text = new StringBuilder();
        AppendRow(text, header, header.Count);
        AppendRow(text, [.. Enumerable.Repeat("---", header.Count)], header.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? throw new ArgumentException($"row {r} is null", nameof(rows));
            if (row.Count > header.Count)
            {
                throw new ArgumentException($"row {r} has {row.Count} cells but the header has {header.Count}", nameof(rows));
            }
            AppendRow(text, row, header.Count);
        }
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, IReadOnlyList<string?> cells, int columns)
    {
        text.Append('|');
        for (var c = 0; c < columns; c++)
        {
            text.Append(' ').Append(c < cells.Count ? Escape(cells[c]) : "").Append(" |");
        }
        text.Append('\n');
    }

    private static string Escape(string? cell) =>
        (cell ?? "")
            .Replace("\r\n", " ", StringComparison.Ordinal)
            .Replace('\n', ' ')
            .Replace('\r', ' ')
            .Replace("|", "\\|", StringComparison.Ordinal);
}
