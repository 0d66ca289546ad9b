using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VisualMemory.Server;

/// <summary>
/// Where the node listens: the public API on <c>--urls</c> (default http://127.0.0.1:5080), and, when
/// <c>Cluster:InternalUrl</c> is set, node-to-node calls on a second port that speaks only HTTP/2
/// (cleartext HTTP/2 needs prior knowledge, which a port shared with HTTP/1.1 clients cannot offer), or, with an
/// https internal URL, HTTP/2 over mutual TLS (<see cref="Security.InternalTls"/>).
/// </summary>
internal static class NodeListeners
{
    /// <summary>Where the public API listens when neither --urls nor ASPNETCORE_URLS says: loopback only.</summary>
    public const string DefaultPublicUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Configures Kestrel; returns the internal port, or null when there is none. An https internal URL is served
    /// with <paramref name="internalTls"/> (which <see cref="Security.InternalTls.FromConfiguration"/> never leaves null then).
    /// </summary>
    /// <exception cref="InvalidOperationException">A URL is not an http(s) URL on an IP address or localhost.</exception>
    public static int? Configure(WebApplicationBuilder builder, Security.InternalTls? internalTls)
    {
        var configured = builder.Configuration["urls"];
        var internalUrl = builder.Configuration["Cluster:InternalUrl"];
        if (string.IsNullOrEmpty(internalUrl))
        {
            // Safe local default: loopback only, unless --urls / ASPNETCORE_URLS says otherwise.
            if (string.IsNullOrEmpty(configured))
            {
                builder.WebHost.UseUrls(DefaultPublicUrl);
            }
            return null;
        }
        // Explicit listeners replace --urls in Kestrel, so the public ones are declared here too.
        var publicEndpoints = (string.IsNullOrEmpty(configured) ? DefaultPublicUrl : configured)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => (Endpoint: Parse(url, allowHttps: true), Https: url.StartsWith("https:", StringComparison.OrdinalIgnoreCase))).ToList();
        var internalHttps = internalUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        var internalEndpoint = Parse(internalUrl, allowHttps: internalTls is not null);
        builder.WebHost.ConfigureKestrel(options =>
        {
            foreach (var (endpoint, https) in publicEndpoints)
            {
                options.Listen(endpoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    if (https)
                    {
                        // The certificate from Kestrel:Certificates:Default, as for an https URL in --urls.
                        listen.UseHttps();
                    }
                });
            }
            options.Listen(internalEndpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (internalHttps)
                {
                    internalTls!.UseOn(listen);
                }
            });
        });
        return internalEndpoint.Port;
    }

    /// <summary>This node's name and the address other nodes reach it at (its internal URL, else its first public URL).</summary>
    public static Cluster.NodeIdentity Identity(WebApplicationBuilder builder, Cluster.ClusterSettings cluster)
    {
        var publicUrl = (builder.Configuration["urls"] is { Length: > 0 } urls ? urls : DefaultPublicUrl)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var name = string.IsNullOrWhiteSpace(cluster.NodeName)
            ? $"{Environment.MachineName}:{new Uri(publicUrl).Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : cluster.NodeName;
        return new Cluster.NodeIdentity(name, string.IsNullOrWhiteSpace(cluster.InternalUrl) ? publicUrl : cluster.InternalUrl);
    }

    private static IPEndPoint Parse(string url, bool allowHttps)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttp || (allowHttps && uri.Scheme == Uri.UriSchemeHttps)))
        {
            throw new InvalidOperationException(allowHttps
                ? $"'{url}' must be an http or https URL such as https://10.0.0.5:5080"
                : $"'{url}' must be an http URL such as http://127.0.0.1:5081 (node-to-node calls are cleartext HTTP/2, authenticated by Security:ClusterSecret), or https with Security:InternalCertificatePath, InternalKeyPath and InternalCaPath");
        }
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            _ => IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
                ? ip
                : throw new InvalidOperationException($"'{url}': listen on an IP address (or localhost), not a host name"),
        };
        return new IPEndPoint(address, uri.Port);
    }
}
