using System.Reflection;
using VisualMemory.Engine;
using VisualMemory.Server;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;
using VisualMemory.Server.Jobs;
using VisualMemory.Storage;

namespace VisualMemory.Deploy.Tests;

/// <summary>
/// Whether an environment variable name (ASP.NET Core's "__" for ":") is a setting the server binds: the first
/// segment names a configuration section bound to a settings class, the rest walk its properties (a dictionary
/// consumes one segment as its key, a list an index), ending on a value property.
/// </summary>
internal static class SettingsNames
{
    // Section → the class Program.cs binds it to.
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Cluster"] = typeof(ClusterSettings),
        ["Embedding"] = typeof(EmbeddingSettings),
        ["Memory"] = typeof(MemorySettings),
        ["Api"] = typeof(ApiSettings),
        ["Ingest"] = typeof(IngestSettings),
        ["Telemetry"] = typeof(TelemetrySettings),
        ["Storage__S3"] = typeof(S3ObjectStoreOptions),
    };

    // Read as single keys (NodeStorage, the host), not bound to a class.
    private static readonly HashSet<string> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Storage__Kind", "Storage__Directory", "DataDir", "ASPNETCORE_URLS",
    };

    // Security:* comes with the API-key work on another branch (Security:ApiKeys, Security:ClusterSecret). Once a
    // SecuritySettings class is in the server, names are checked against it instead of this list.
    private static readonly string[] PendingSecurity = ["ApiKeys", "ClusterSecret"];

    /// <summary>Null when <paramref name="name"/> binds; otherwise why not.</summary>
    public static string? Check(string name)
    {
        if (Keys.Contains(name))
        {
            return null;
        }
        var segments = name.Split("__");
        if (segments.Length < 2)
        {
            return $"{name}: not a section__property name";
        }
        // API keys are a list read by ApiKeys.FromConfiguration, not a property of SecuritySettings.
        if (segments.Length == 4 && string.Equals(segments[0], "Security", StringComparison.OrdinalIgnoreCase)
            && string.Equals(segments[1], "ApiKeys", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(segments[2], out _) && segments[3] is "Name" or "Key" or "KeyHash" or "Scopes" ? null : $"{name}: API keys are Security__ApiKeys__N__(Name|Key|KeyHash|Scopes)";
        }
        if (string.Equals(segments[0], "Security", StringComparison.OrdinalIgnoreCase))
        {
            var security = typeof(ClusterSettings).Assembly.GetTypes().FirstOrDefault(t => t.Name == "SecuritySettings");
            return security is not null ? Walk(name, security, segments[1..])
                : segments.Length == 2 && PendingSecurity.Contains(segments[1], StringComparer.OrdinalIgnoreCase) ? null
                : $"{name}: no such Security setting";
        }
        if (segments.Length >= 3 && Sections.TryGetValue(segments[0] + "__" + segments[1], out var nested))
        {
            return Walk(name, nested, segments[2..]);
        }
        return Sections.TryGetValue(segments[0], out var type) ? Walk(name, type, segments[1..]) : $"{name}: no settings section '{segments[0]}'";
    }

    private static string? Walk(string name, Type type, string[] rest)
    {
        var current = type;
        for (var i = 0; i < rest.Length; i++)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                current = current.GetGenericArguments()[1];
                continue;
            }
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(List<>))
            {
                if (!int.TryParse(rest[i], out _))
                {
                    return $"{name}: '{rest[i]}' must be a list index";
                }
                current = current.GetGenericArguments()[0];
                continue;
            }
            var property = current.GetProperty(rest[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || property.SetMethod is null)
            {
                return $"{name}: {current.Name} has no settable property '{rest[i]}'";
            }
            current = property.PropertyType;
        }
        var terminal = Nullable.GetUnderlyingType(current) ?? current;
        var isValue = terminal.IsPrimitive || terminal.IsEnum || terminal == typeof(string) || terminal == typeof(Uri) || terminal == typeof(TimeSpan) || terminal == typeof(decimal);
        return isValue ? null : $"{name}: ends on {terminal.Name}, not a value";
    }
}
