namespace VisualMemory.Datasets;

/// <summary>Reads a vector file by its extension: .npy (float32 [N, D]) or .fvecs.</summary>
public static class VectorFiles
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataFileException">Unknown extension or malformed content.</exception>
    public static VectorSet Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataFileException($"{path}: no such file");
        }
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => NpyFile.Read(path),
            ".fvecs" => FvecsFile.Read(path),
            var other => throw new InvalidDataFileException($"{path}: unknown vector format '{other}'; use .npy (float32 [N, D]) or .fvecs"),
        };
    }
}
