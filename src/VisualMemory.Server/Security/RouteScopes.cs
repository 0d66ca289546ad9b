using System.Text.RegularExpressions;

namespace VisualMemory.Server.Security;

/// <summary>
/// Which access a request needs, decided from its method and path before routing. Anything not named here
/// as open or query needs admin, so a route added later is protected until someone decides otherwise.
/// Paths compare case-insensitively because routing does.
/// </summary>
internal static partial class RouteScopes
{
    /// <summary>The prefix of every node-to-node route.</summary>
    public const string InternalPrefix = "/internal/";

    /// <summary>The access <paramref name="request"/> needs.</summary>
    public static RouteAccess For(HttpRequest request, SecuritySettings settings)
    {
        var path = request.Path.Value ?? "/";
        if (path.StartsWith(InternalPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return RouteAccess.Internal;
        }
        if (Is(path, "/healthz") || Is(path, "/readyz"))
        {
            return RouteAccess.Open;
        }
        // The web page's own files are static and hold nothing secret; a browser cannot add a key to the page
        // load itself, and the page sends the key the user enters with every API call it makes.
        if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && (Is(path, "/") || path.StartsWith("/ui/", StringComparison.OrdinalIgnoreCase) || Is(path, "/ui")))
        {
            return RouteAccess.Open;
        }
        if (Is(path, "/metrics"))
        {
            return settings.MetricsRequireKey ? RouteAccess.Query : RouteAccess.Open;
        }
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return RouteAccess.Query;
        }
        return HttpMethods.IsPost(request.Method) && QueryPost().IsMatch(path) ? RouteAccess.Query : RouteAccess.Admin;
    }

    private static bool Is(string path, string route) => string.Equals(path, route, StringComparison.OrdinalIgnoreCase);

    // The POST routes that only read: search, batch search and classify on a memory, and embedding images.
    [GeneratedRegex(@"^/v1/(memories/[^/]+/(search|search/batch|classify)|embed|embed/batch)/?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QueryPost();
}
