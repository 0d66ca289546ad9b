using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VisualMemory.Embedding.Batching;
using VisualMemory.Imaging;
using VisualMemory.Server.Embedding;

namespace VisualMemory.Server.Tests.Embedding;

/// <summary>How embedding failures become HTTP answers: a full queue is 429 with Retry-After, decode errors keep their status.</summary>
public sealed class EmbeddingProblemsTests
{
    private static async Task<HttpContext> ExecuteAsync(IResult result)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        return context;
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_the_drain_time_as_Retry_After()
    {
        var context = await ExecuteAsync(EmbeddingProblems.From(new EmbeddingQueueFullException(TimeSpan.FromSeconds(2.2)))!);
        Assert.Equal(StatusCodes.Status429TooManyRequests, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task A_workers_429_passed_on_keeps_its_Retry_After()
    {
        var context = await ExecuteAsync(EmbeddingProblems.From(new EmbeddingUnavailableException(StatusCodes.Status429TooManyRequests, "Too many images queued.", "busy", TimeSpan.FromSeconds(4)))!);
        Assert.Equal(StatusCodes.Status429TooManyRequests, context.Response.StatusCode);
        Assert.Equal("4", context.Response.Headers.RetryAfter.ToString());
    }

    [Theory]
    [InlineData(ImageDecodeErrorKind.Empty)]
    [InlineData(ImageDecodeErrorKind.TooManyPixels)]
    public async Task Decode_errors_keep_the_decoders_status(ImageDecodeErrorKind kind)
    {
        var context = await ExecuteAsync(EmbeddingProblems.From(new ImageDecodeException(kind, "no"))!);
        Assert.Equal(ImageDecodeProblems.StatusCode(kind), context.Response.StatusCode);
        Assert.Null(EmbeddingProblems.From(new InvalidOperationException("not an embedding failure")));
    }
}
