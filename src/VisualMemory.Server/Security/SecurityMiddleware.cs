using VisualMemory.Cluster.Transport;

namespace VisualMemory.Server.Security;

/// <summary>
/// The two halves of request authentication, run with the rate limiter between them so that callers with a
/// wrong key are limited (by address) before they are refused: <see cref="Authenticate"/> finds the caller,
/// <see cref="Authorize"/> answers 401 or 403 problem details or lets the request through.
/// </summary>
internal static class SecurityMiddleware
{
    private const string AccessItem = "vm.access";
    private const string CallerItem = "vm.caller";

    /// <summary>The API key the request authenticated with, or null (no keys configured, or none valid presented).</summary>
    public static ApiKey? Caller(HttpContext context) => context.Items.TryGetValue(CallerItem, out var caller) ? caller as ApiKey : null;

    /// <summary>Whether the request needs no credentials at all (health probes, open metrics) or is node-to-node.</summary>
    public static bool IsExempt(HttpContext context) =>
        context.Items.TryGetValue(AccessItem, out var access) && access is RouteAccess.Open or RouteAccess.Internal;

    /// <summary>Records what the request needs and which key, if any, it presents.</summary>
    public static Task Authenticate(HttpContext context, RequestDelegate next)
    {
        var settings = context.RequestServices.GetRequiredService<SecuritySettings>();
        var access = RouteScopes.For(context.Request, settings);
        context.Items[AccessItem] = access;
        if (access is RouteAccess.Query or RouteAccess.Admin && PresentedKey(context.Request) is { } presented)
        {
            context.Items[CallerItem] = context.RequestServices.GetRequiredService<ApiKeys>().Find(presented);
        }
        return next(context);
    }

    /// <summary>Refuses the request unless it carries what its route needs.</summary>
    public static async Task Authorize(HttpContext context, RequestDelegate next)
    {
        var access = (RouteAccess)context.Items[AccessItem]!;
        if (access == RouteAccess.Internal)
        {
            if (!context.RequestServices.GetRequiredService<ClusterSecretCheck>().Allows(context.Request.Headers[ClusterAuthentication.Header]))
            {
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Cluster secret missing or wrong.",
                    detail: $"node-to-node routes need the cluster's Security:ClusterSecret in {ClusterAuthentication.Header}").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }
        else if (access != RouteAccess.Open && context.RequestServices.GetRequiredService<ApiKeys>().Count > 0)
        {
            var caller = Caller(context);
            if (caller is null)
            {
                // Whether a key was sent at all is said; which part of a wrong one was wrong never is.
                var sent = PresentedKey(context.Request) is not null;
                context.Response.Headers.WWWAuthenticate = sent ? "Bearer realm=\"visual-memory\", error=\"invalid_token\"" : "Bearer realm=\"visual-memory\"";
                await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: sent ? "Unknown API key." : "API key required.",
                    detail: sent ? "the API key sent is not one this node knows" : "send an API key as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'")
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            if (access == RouteAccess.Admin && caller.Scope < ApiKeyScope.Admin)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"visual-memory\", error=\"insufficient_scope\", scope=\"admin\"";
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The API key's scope is insufficient.",
                    detail: $"{context.Request.Method} {context.Request.Path} needs the admin scope; key '{caller.Name}' has query").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }
        await next(context).ConfigureAwait(false);
    }

    // "Authorization: Bearer KEY" first, then "X-Api-Key: KEY".
    private static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } bearer)
        {
            return bearer;
        }
        return request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key ? key.Trim() : null;
    }
}
