using Microsoft.AspNetCore.Http.Features;
using VisualMemory.Server.Embedding;
using VisualMemory.Server.Http;

namespace VisualMemory.Server.Security;

/// <summary>
/// Bounds every request body at the server, not only where a route reads it: Kestrel's limit and the form
/// reader's multipart limit are the largest body any route accepts (Api:MaxRequestBodyBytes, or one
/// Embedding:MaxImageBytes image plus its form fields), so a chunked body with no Content-Length is cut off
/// with 413 too. Routes still apply their own, smaller limits with field-level problem details.
/// </summary>
internal static class RequestSizeLimits
{
    /// <summary>Room for a multipart image's boundaries, headers and text fields, as <see cref="ImageBody"/> allows.</summary>
    private const long MultipartOverhead = 64 * 1024;

    /// <summary>Sets Kestrel's and the form reader's body limits from the API and embedding settings.</summary>
    public static void Configure(WebApplicationBuilder builder)
    {
        var api = builder.Configuration.GetSection("Api").Get<ApiSettings>() ?? new ApiSettings();
        var embedding = builder.Configuration.GetSection("Embedding").Get<EmbeddingSettings>() ?? new EmbeddingSettings();
        var largest = Math.Max(api.MaxRequestBodyBytes, embedding.MaxImageBytes + MultipartOverhead);
        builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = largest);
        builder.Services.Configure<FormOptions>(options => options.MultipartBodyLengthLimit = largest);
    }

    /// <summary>
    /// Answers Kestrel's refusal of a body (over the limit: 413; malformed: 400) with problem details; the
    /// exception handler would otherwise turn the exception a route's body read throws into a 500.
    /// </summary>
    public static async Task AnswerRefusedBodies(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await (e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? Problems.TooLarge("body", $"the request body exceeds {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes")
                : Results.Problem(statusCode: e.StatusCode, title: "Bad request.", detail: e.Message)).ExecuteAsync(context).ConfigureAwait(false);
        }
    }
}
