using System.Reflection;

namespace VisualMemory.Server.Endpoints;

/// <summary>
/// The node's web page (issue 8): plain HTML, CSS and JavaScript in <c>Web/ui</c>, embedded in this assembly as
/// resources named <c>ui/FILE</c>, so a node is one deployable with nothing to copy beside it and no build step.
/// Served at <c>/ui/</c>; <c>/</c> redirects there.
/// </summary>
internal static class WebPageEndpoints
{
    private const string ResourcePrefix = "ui/";

    // The page loads only its own files; thumbnails may come from any http(s) URL an item's source names,
    // and the query preview is a blob: URL. No inline script or style, so none can be injected either.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' http: https: data: blob:; script-src 'self'; style-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>Maps <c>GET /</c> (a redirect), <c>GET /ui/</c> (the page) and <c>GET /ui/{file}</c> (its assets).</summary>
    public static void MapWebPage(this IEndpointRouteBuilder app)
    {
        var assembly = typeof(WebPageEndpoints).Assembly;
        // Read once at start: the files are a few kilobytes and never change while the node runs.
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .ToDictionary(n => n[ResourcePrefix.Length..], n => Read(assembly, n), StringComparer.Ordinal);
        app.MapGet("/", () => Results.Redirect("/ui/")).ExcludeFromDescription();
        app.MapGet("/ui/{file?}", (string? file, HttpContext context) =>
        {
            // Routing matches "/ui" and "/ui/" alike; the page's relative links (app.js, app.css) need the slash.
            if (context.Request.Path.Value is "/ui")
            {
                return Results.Redirect("/ui/");
            }
            var name = string.IsNullOrEmpty(file) ? "index.html" : file;
            if (!files.TryGetValue(name, out var bytes) || !ContentTypes.TryGetValue(Path.GetExtension(name), out var type))
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown page file.", detail: $"the web page has no file '{name}'");
            }
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            // Revalidated on every load, so a node upgraded in place never serves an old script with a new page.
            headers.CacheControl = "no-cache";
            return Results.Bytes(bytes, type);
        }).ExcludeFromDescription();
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is listed but cannot be opened");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
