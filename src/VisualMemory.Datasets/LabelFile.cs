namespace VisualMemory.Datasets;

/// <summary>A labels file: one label per line, line i labelling vector i. Blank labels are refused.</summary>
public static class LabelFile
{
    /// <summary>Reads the labels; a trailing empty line is ignored.</summary>
    /// <exception cref="InvalidDataFileException">A blank label.</exception>
    public static string[] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataFileException($"{path}: no such file");
        }
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                throw new InvalidDataFileException($"{path}: line {i + 1} has an empty label");
            }
        }
        return lines;
    }

    /// <summary>Writes one label per line.</summary>
    public static void Write(string path, IEnumerable<string> labels) => File.WriteAllLines(path, labels);
}
