using VisualMemory.Embedding.Batching;
using VisualMemory.Imaging;

namespace VisualMemory.Server.Embedding;

/// <summary>How an image that could not be embedded is answered: problem details with the decoder's, queue's or model's reason.</summary>
internal static class EmbeddingProblems
{
    /// <summary>The response for <paramref name="e"/>, or null when it is not an embedding failure.</summary>
    public static IResult? From(Exception e) => e switch
    {
        ImageBatchException batch => Results.Problem(statusCode: ImageDecodeProblems.StatusCode(batch.Decode.Kind), title: ImageDecodeProblems.Title(batch.Decode.Kind), detail: batch.Message),
        ImageDecodeException decode => Results.Problem(statusCode: ImageDecodeProblems.StatusCode(decode.Kind), title: ImageDecodeProblems.Title(decode.Kind), detail: decode.Message),
        EmbeddingQueueFullException full => new RetryAfterResult(full.RetryAfter, full.Message),
        EmbeddingUnavailableException { Status: StatusCodes.Status429TooManyRequests } busy => new RetryAfterResult(busy.RetryAfter ?? TimeSpan.FromSeconds(1), busy.Message),
        EmbeddingUnavailableException unavailable => Results.Problem(statusCode: unavailable.Status, title: unavailable.Title, detail: unavailable.Message),
        _ => null,
    };

    // 429 with a Retry-After header (seconds), so clients and load balancers back off by the queue's drain time.
    private sealed class RetryAfterResult(TimeSpan retryAfter, string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many images queued.", detail: detail).ExecuteAsync(httpContext);
        }
    }
}
