using System.Globalization;

namespace VisualMemory.Cli;

/// <summary>A command's "--name value" options and "--flag" switches, with typed accessors that fail as usage errors.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public CliArguments(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _options[pending] = null;
                }
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                _options[pending] = arg;
                pending = null;
            }
            else
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
        }
        if (pending is not null)
        {
            _options[pending] = null;
        }
    }

    public bool Flag(string name) => _options.ContainsKey(name);

    /// <summary>The option names given, without their dashes.</summary>
    public IEnumerable<string> Names => _options.Keys;

    public string Required(string name) =>
        _options.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : throw new UsageException($"--{name} is required");

    public string String(string name, string fallback) => _options.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public int Int(string name, int fallback) => _options.TryGetValue(name, out var value) && value is not null
        ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new UsageException($"--{name} must be an integer, got '{value}'")
        : fallback;

    public long Long(string name, long fallback) => _options.TryGetValue(name, out var value) && value is not null
        ? long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new UsageException($"--{name} must be an integer, got '{value}'")
        : fallback;

    public int[] IntList(string name, int[] fallback) => _options.TryGetValue(name, out var value) && value is not null
        ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v =>
            int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw new UsageException($"--{name} must be a comma-separated list of integers, got '{value}'"))]
        : fallback;

    public string[] StringList(string name, string[] fallback) => _options.TryGetValue(name, out var value) && value is not null
        ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : fallback;
}

/// <summary>The command line itself is wrong; exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The server refused a request; the message carries its problem details. Exit code 4.</summary>
internal sealed class ServerException(string message) : Exception(message);
