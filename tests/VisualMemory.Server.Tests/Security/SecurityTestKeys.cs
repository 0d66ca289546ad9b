using System.Net.Http.Headers;

namespace VisualMemory.Server.Tests.Security;

/// <summary>The API keys and secrets the security tests configure, and the settings that configure them.</summary>
internal static class SecurityTestKeys
{
    public const string Query = "query-key-0123456789abcdef";
    public const string Admin = "admin-key-0123456789abcdef";

    /// <summary>A reader with the query scope (as a key) and an operator with admin (as a SHA-256 hash of the key).</summary>
    public static Dictionary<string, string> Settings() => new()
    {
        ["Security:ApiKeys:0:Name"] = "reader",
        ["Security:ApiKeys:0:Key"] = Query,
        ["Security:ApiKeys:0:Scopes"] = "query",
        ["Security:ApiKeys:1:Name"] = "operator",
        ["Security:ApiKeys:1:KeyHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Admin))),
        ["Security:ApiKeys:1:Scopes:0"] = "admin",
    };

    /// <summary>The same settings as command-line switches for a server process.</summary>
    public static string[] Switches() => [.. Settings().Select(p => $"--{p.Key}={p.Value}")];

    public static HttpRequestMessage Request(HttpMethod method, string path, string? bearer = null, object? json = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (json is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(json);
        }
        return request;
    }
}
