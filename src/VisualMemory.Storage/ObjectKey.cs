namespace VisualMemory.Storage;

/// <summary>The rules every object key follows, whatever the backend.</summary>
/// <remarks>
/// A key is a relative path of '/'-separated segments: not empty, at most
/// <see cref="MaxLength"/> characters, no leading or trailing '/', no empty segment ("a//b"), no
/// "." or ".." segment, no segment starting with <see cref="ReservedSegmentPrefix"/> (kept for
/// stores' temporary files), no backslash and no control character. These rules keep a key valid as a
/// file path under the local store's root (it can never escape it) and as an S3 or Azure blob name.
/// </remarks>
public static class ObjectKey
{
    /// <summary>The longest key accepted (S3 allows 1024 bytes; file systems limit each name to 255).</summary>
    public const int MaxLength = 512;

    /// <summary>The longest segment accepted (a file name on common file systems).</summary>
    public const int MaxSegmentLength = 200;

    /// <summary>Key segments may not start with this: stores use it for temporary files.</summary>
    public const string ReservedSegmentPrefix = ".~";

    /// <summary>Throws an <see cref="ArgumentException"/> explaining why <paramref name="key"/> is not a valid key.</summary>
    public static void Validate(string key, string parameterName = "key")
    {
        var problem = Check(key);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid object key '{key}': {problem}.", parameterName);
        }
    }

    /// <summary>Whether <paramref name="key"/> is a valid key.</summary>
    public static bool IsValid(string key) => Check(key) is null;

    /// <summary>
    /// Throws unless <paramref name="prefix"/> could begin a valid key: empty, or no backslash or
    /// control character, no leading '/', no "." or ".." segment and no empty segment before its end.
    /// </summary>
    public static void ValidatePrefix(string prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        if (prefix.Length == 0)
        {
            return;
        }
        // A prefix is a key, possibly cut inside its last segment or just after a '/'.
        var asKey = prefix.EndsWith('/') ? prefix + "x" : prefix;
        var lastSegment = asKey[(asKey.LastIndexOf('/') + 1)..];
        if (lastSegment is "." or "..")
        {
            asKey += "x";   // "a/." may still become "a/.x"
        }
        var problem = Check(asKey);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid key prefix '{prefix}': {problem}.", parameterName);
        }
    }

    private static string? Check(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "it is empty";
        }
        if (key.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }
        if (key[0] == '/')
        {
            return "it starts with '/' (keys are relative)";
        }
        if (key[^1] == '/')
        {
            return "it ends with '/'";
        }
        foreach (var c in key)
        {
            if (c == '\\')
            {
                return "it contains a backslash (use '/')";
            }
            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }
        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//')";
            }
            if (segment is "." or "..")
            {
                return $"it has a '{segment}' segment";
            }
            if (segment.StartsWith(ReservedSegmentPrefix, StringComparison.Ordinal))
            {
                return $"a segment starts with '{ReservedSegmentPrefix}' (reserved for temporary files)";
            }
            if (segment.Length > MaxSegmentLength)
            {
                return $"a segment is longer than {MaxSegmentLength} characters";
            }
        }
        return null;
    }
}
