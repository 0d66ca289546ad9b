using System.Net;
using System.Text;

namespace VisualMemory.Cli.Tests;

/// <summary>
/// vm eval --images refuses to compare query embeddings from another model than the memory's: checked
/// against a stub server that answers with a different sha256, since a real node serves one file per model name.
/// </summary>
public sealed class EvalImagesModelCheckTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vm-eval-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class StubServer : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
            var body = request.RequestUri.AbsolutePath switch
            {
                "/v1/memories/m" => """{"name":"m","dimension":2,"model":{"name":"demo","sha256":"aaaa"}}""",
                "/v1/embed/batch" => """{"model":"demo","sha256":"bbbb","dimension":2,"vectors":[[1,0]]}""",
                _ => null,
            };
            return Task.FromResult(body is null
                ? new HttpResponseMessage(HttpStatusCode.NotFound)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    [Fact]
    public async Task A_different_model_sha256_is_refused_before_any_search()
    {
        var image = Path.Combine(_directory, "a.png");
        await File.WriteAllBytesAsync(image, Datasets.PngWriter.Greyscale(new byte[4], 2, 2));
        var listing = Path.Combine(_directory, "q.jsonl");
        await File.WriteAllTextAsync(listing, """{"id":0,"uri":"a.png","label":"x"}""" + "\n");
        var stub = new StubServer();
        var error = new StringWriter();
        var exit = await CliApp.Run(["eval", "--memory", "m", "--images", listing, "--server", "http://stub"], TextWriter.Null, error,
            c => new HttpClient(stub) { BaseAddress = c.Server });
        Assert.Equal(4, exit);
        Assert.Contains("sha256 bbbb, but memory m was built with aaaa", error.ToString());
        Assert.Equal(["GET /v1/memories/m", "POST /v1/embed/batch?model=demo"], stub.Requests);
    }
}
