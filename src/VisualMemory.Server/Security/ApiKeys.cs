using System.Globalization;
using System.Security.Cryptography;

namespace VisualMemory.Server.Security;

/// <summary>
/// The node's API keys, from <c>Security:ApiKeys</c>: a list of <c>{Name, Key | KeyHash, Scopes}</c> where
/// KeyHash is the SHA-256 of the key in hex (so the key itself need not be in the configuration) and Scopes is
/// <c>query</c>, <c>admin</c> or both (a list, or one comma-separated string). Only digests are kept in memory.
/// </summary>
public sealed class ApiKeys
{
    /// <summary>Shortest key accepted in <c>Key</c>: shorter ones can be guessed.</summary>
    public const int MinimumKeyLength = 16;

    private readonly (ApiKey Key, byte[] Hash)[] _keys;

    private ApiKeys((ApiKey, byte[])[] keys)
    {
        _keys = keys;
    }

    /// <summary>How many keys are configured; none means the node runs without authentication (loopback only, or AllowAnonymous).</summary>
    public int Count => _keys.Length;

    /// <summary>Reads the keys under <paramref name="section"/> (<c>Security:ApiKeys</c>).</summary>
    /// <exception cref="InvalidOperationException">An entry lacks a name, a key or a scope, or has an unknown scope, a bad hash, a short key or a duplicate name.</exception>
    public static ApiKeys FromConfiguration(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var keys = new List<(ApiKey, byte[])>();
        foreach (var entry in section.GetChildren())
        {
            // Messages name the entry and the setting, never the key: they end up in logs.
            var where = $"Security:ApiKeys:{entry.Key}";
            var name = entry["Name"];
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new InvalidOperationException($"{where}:Name is required (it names the key in rate limits and logs)");
            }
            if (keys.Any(k => k.Item1.Name == name))
            {
                throw new InvalidOperationException($"{where}: the name '{name}' is used by another key");
            }
            keys.Add((new ApiKey(name, Scope(entry, where)), Hash(entry, where)));
        }
        return new ApiKeys([.. keys]);
    }

    /// <summary>The key <paramref name="presented"/> matches, or null. Every configured key is compared, each in constant time.</summary>
    public ApiKey? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }
        var digest = SecretHash.Of(presented);
        ApiKey? found = null;
        foreach (var (key, hash) in _keys)
        {
            // No early exit: the time taken does not say which key, if any, matched.
            if (CryptographicOperations.FixedTimeEquals(digest, hash))
            {
                found ??= key;
            }
        }
        return found;
    }

    private static byte[] Hash(IConfigurationSection entry, string where)
    {
        var key = entry["Key"];
        var keyHash = entry["KeyHash"];
        if (string.IsNullOrEmpty(key) == string.IsNullOrEmpty(keyHash))
        {
            throw new InvalidOperationException($"{where}: set exactly one of Key and KeyHash (the SHA-256 of the key, 64 hex digits)");
        }
        if (!string.IsNullOrEmpty(key))
        {
            return key.Length >= MinimumKeyLength
                ? SecretHash.Of(key)
                : throw new InvalidOperationException($"{where}:Key must be at least {MinimumKeyLength.ToString(CultureInfo.InvariantCulture)} characters (e.g. openssl rand -hex 32)");
        }
        try
        {
            var hash = Convert.FromHexString(keyHash!.Trim());
            return hash.Length == SHA256.HashSizeInBytes ? hash : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{where}:KeyHash must be a SHA-256 digest in hex, 64 digits (e.g. printf %s \"$KEY\" | sha256sum)");
        }
    }

    // Scopes may be a list (Scopes:0=query) or one string ("query,admin"); the widest one given wins.
    private static ApiKeyScope Scope(IConfigurationSection entry, string where)
    {
        var scopes = entry.GetSection("Scopes");
        var values = scopes.GetChildren().Select(c => c.Value).Prepend(scopes.Value).OfType<string>()
            .SelectMany(v => v.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        if (values.Count == 0)
        {
            throw new InvalidOperationException($"{where}:Scopes is required: query, admin, or both");
        }
        var widest = ApiKeyScope.Query;
        foreach (var value in values)
        {
            widest = value.ToUpperInvariant() switch
            {
                "QUERY" => widest,
                "ADMIN" => ApiKeyScope.Admin,
                _ => throw new InvalidOperationException($"{where}:Scopes: unknown scope '{value}' (query or admin)"),
            };
        }
        return widest;
    }
}
