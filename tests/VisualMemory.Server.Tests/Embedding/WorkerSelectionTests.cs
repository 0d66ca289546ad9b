using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Server.Cluster;
using VisualMemory.Server.Embedding;
using static VisualMemory.Server.Tests.Cluster.ClusterTestHelpers;

namespace VisualMemory.Server.Tests.Embedding;

/// <summary>
/// How a node chooses among embedding workers, against scripted workers on real h2c ports (no model runs, so
/// in-process hosts are safe here): round robin, a worker without the model passed over, a busy or mismatched
/// one followed by the next, and the answers when none can.
/// </summary>
public sealed class WorkerSelectionTests : IAsyncDisposable
{
    private readonly List<WebApplication> _workers = [];
    private readonly EmbeddingClient _client = new(TimeSpan.FromSeconds(5));

    // A worker that answers every call with `status` (200: a 2-d vector per image, sha "abc"), counting calls.
    private async Task<(Uri Address, Func<int> Calls)> WorkerAsync(int status, int retryAfterSeconds = 0)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var calls = 0;
        app.MapPost(EmbeddingClient.Route, async (HttpRequest request) =>
        {
            Interlocked.Increment(ref calls);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var input = EmbedRequest.Parser.ParseFrom(body.ToArray());
            if (status != 200)
            {
                if (retryAfterSeconds > 0)
                {
                    request.HttpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                return Results.Problem(statusCode: status, title: $"scripted {status}", detail: $"worker on {port} says {status}");
            }
            var answer = new EmbedResponse { Model = input.Model, Sha256 = "abc", Dimension = 2 };
            foreach (var _ in input.Images)
            {
                answer.Vectors.AddRange([0.6f, 0.8f]);
            }
            return Results.Bytes(answer.ToByteArray(), ShardSearchClient.MediaType);
        });
        await app.StartAsync();
        _workers.Add(app);
        return (new Uri($"http://127.0.0.1:{port}"), () => Volatile.Read(ref calls));
    }

    private EmbeddingWorkers Workers(params Uri[] workers) => new(
        Options.Create(new EmbeddingSettings { Workers = [.. workers.Select(w => w.ToString())], WorkerRetryMilliseconds = 60_000 }),
        Options.Create(new ClusterSettings()), new ClusterView(null!), new NodeIdentity("me", "http://127.0.0.1:1"), _client, NullLogger<EmbeddingWorkers>.Instance);

    private static Task<EmbedResponse> EmbedAsync(EmbeddingWorkers workers, int images = 1, string? sha = null) =>
        workers.EmbedAsync("m", sha, [.. Enumerable.Repeat(new ReadOnlyMemory<byte>([1, 2, 3]), images)],
            why => new EmbeddingUnavailableException(StatusCodes.Status404NotFound, "Unknown model.", why), "", CancellationToken.None);

    [Fact]
    public async Task Calls_rotate_over_workers_and_one_without_the_model_is_passed_over()
    {
        var a = await WorkerAsync(200);
        var b = await WorkerAsync(200);
        var lacking = await WorkerAsync(404);
        var workers = Workers(a.Address, b.Address, lacking.Address);
        for (var i = 0; i < 9; i++)
        {
            var answer = await EmbedAsync(workers, images: 2);
            Assert.Equal([0.6f, 0.8f, 0.6f, 0.8f], answer.Vectors);
        }
        // The 404 worker was asked once, then passed over; the others shared the calls.
        Assert.Equal(1, lacking.Calls());
        Assert.Equal(9, a.Calls() + b.Calls());
        Assert.InRange(a.Calls(), 4, 5);
    }

    [Fact]
    public async Task Busy_and_mismatched_workers_send_the_call_on_and_the_answer_says_why_none_could()
    {
        var busy = await WorkerAsync(429, retryAfterSeconds: 7);
        var other = await WorkerAsync(409);
        var ok = await WorkerAsync(200);
        var workers = Workers(busy.Address, other.Address, ok.Address);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("abc", (await EmbedAsync(workers)).Sha256);
        }
        Assert.Equal(3, ok.Calls());

        var onlyBusy = Workers(busy.Address, (await WorkerAsync(429, retryAfterSeconds: 3)).Address, other.Address);
        var refused = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(onlyBusy));
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.RetryAfter);

        var mismatched = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(Workers(other.Address)));
        Assert.Equal(StatusCodes.Status409Conflict, mismatched.Status);

        // A worker that answers another file than expected is not believed either.
        var wrongFile = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(Workers(ok.Address), sha: "def"));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, wrongFile.Status);

        var gone = new Uri($"http://127.0.0.1:{FreePort()}");
        var unreachable = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(Workers(gone)));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, unreachable.Status);
        Assert.Contains("model 'm'", unreachable.Message, StringComparison.Ordinal);

        var none = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(Workers()));
        Assert.Equal(StatusCodes.Status404NotFound, none.Status);
        Assert.Contains("no embedding worker is configured", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_image_refused_by_a_worker_is_not_retried_elsewhere()
    {
        var bad = await WorkerAsync(400);
        var ok = await WorkerAsync(200);
        var workers = Workers(bad.Address, ok.Address);
        var refused = await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => EmbedAsync(workers));
        Assert.Equal(StatusCodes.Status400BadRequest, refused.Status);
        Assert.Equal("scripted 400", refused.Title);
        Assert.Equal(0, ok.Calls());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
        _client.Dispose();
    }
}
