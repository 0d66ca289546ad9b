using System.Net;

namespace VisualMemory.Server.Security;

/// <summary>
/// Refuses to start a node anyone on the network could use without credentials: without API keys every
/// public listener must be on loopback, and a node that takes node-to-node calls from beyond loopback (cluster
/// mode, or an internal URL that is not loopback) needs the cluster secret. <c>Security:AllowAnonymous=true</c>
/// opts out; the node then starts with a warning.
/// </summary>
internal static class SecurityStartupChecks
{
    /// <summary>The warning to log when AllowAnonymous let an otherwise refused node start; null when there is none.</summary>
    /// <exception cref="InvalidOperationException">The node would be reachable beyond loopback without credentials.</exception>
    public static string? Check(IConfiguration configuration, SecuritySettings settings, ApiKeys keys, bool distributed)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        if (keys.Count == 0 && PublicUrls(configuration).Where(u => !IsLoopback(u)).ToList() is { Count: > 0 } exposed)
        {
            problems.Add($"it listens beyond loopback ({string.Join(", ", exposed)}) without API keys: set Security:ApiKeys");
        }
        var internalUrl = configuration["Cluster:InternalUrl"];
        if (string.IsNullOrEmpty(settings.ClusterSecret) && (distributed || (!string.IsNullOrEmpty(internalUrl) && !IsLoopback(internalUrl))))
        {
            problems.Add(distributed
                ? "it is a cluster node (Cluster:Database set) without Security:ClusterSecret, so any host could call its internal routes"
                : $"its internal port ({internalUrl}) is beyond loopback without Security:ClusterSecret");
        }
        if (problems.Count == 0)
        {
            return null;
        }
        var what = "This node is open to anyone who reaches it: " + string.Join("; and ", problems) + ".";
        return settings.AllowAnonymous
            ? what + " Starting anyway because Security:AllowAnonymous=true."
            : throw new InvalidOperationException(what + " Configure them (docs/operations.md, Security), or set Security:AllowAnonymous=true to run without.");
    }

    /// <summary>Whether <paramref name="url"/> names a loopback host (localhost, 127.0.0.0/8, ::1); wildcards and host names do not.</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }
        return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    // Every place Kestrel takes public listeners from: --urls (ASPNETCORE_URLS), else the node's loopback
    // default, and Kestrel:Endpoints in configuration.
    private static IEnumerable<string> PublicUrls(IConfiguration configuration)
    {
        var urls = configuration["urls"];
        foreach (var url in (string.IsNullOrEmpty(urls) ? NodeListeners.DefaultPublicUrl : urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return url;
        }
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                yield return url;
            }
        }
    }
}
