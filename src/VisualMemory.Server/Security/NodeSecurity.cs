namespace VisualMemory.Server.Security;

/// <summary>
/// Wires the node's security into the host in two calls, so Program.cs stays a list of features:
/// settings and startup refusal, request size and rate limits, then the request pipeline.
/// </summary>
internal static partial class NodeSecurity
{
    /// <summary>
    /// Reads section "Security", refuses to start a node open beyond loopback (see <see cref="SecurityStartupChecks"/>),
    /// registers the keys and cluster secret check, and sets the body and rate limits. Returns the settings, whose
    /// cluster secret the node's internal clients send.
    /// </summary>
    /// <exception cref="InvalidOperationException">A setting is invalid, or the node would be open beyond loopback.</exception>
    public static SecuritySettings AddNodeSecurity(this WebApplicationBuilder builder, bool distributed)
    {
        var section = builder.Configuration.GetSection("Security");
        var settings = section.Get<SecuritySettings>() ?? new SecuritySettings();
        var keys = ApiKeys.FromConfiguration(section.GetSection("ApiKeys"));
        var secret = new ClusterSecretCheck(settings.ClusterSecret);
        var warning = SecurityStartupChecks.Check(builder.Configuration, settings, keys, distributed);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(secret);
        builder.Services.AddSingleton(new StartupWarning(warning));
        RequestSizeLimits.Configure(builder);
        RequestRateLimiting.Add(builder.Services, settings.RateLimit);
        return settings;
    }

    /// <summary>Authenticates, rate-limits and authorizes every request, in that order, and answers bodies over the limit with 413; logs the AllowAnonymous warning.</summary>
    public static void UseNodeSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<StartupWarning>().Text is { } warning)
        {
            LogOpenNode(app.Logger, warning);
        }
        app.Use(RequestSizeLimits.AnswerRefusedBodies);
        app.Use(SecurityMiddleware.Authenticate);
        if (app.Services.GetRequiredService<SecuritySettings>().RateLimit.PermitsPerSecond > 0)
        {
            app.UseRateLimiter();
        }
        app.Use(SecurityMiddleware.Authorize);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogOpenNode(ILogger logger, string warning);

    // Carried from configuration time to the built app, where there is a logger.
    private sealed record StartupWarning(string? Text);
}
