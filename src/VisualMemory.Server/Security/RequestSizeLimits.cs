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
}
