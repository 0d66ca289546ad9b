using System.Net;
using System.Net.Sockets;
using VisualMemory.Deploy.Tests.Otlp;

namespace VisualMemory.Deploy.Tests;

/// <summary>A span as received: which node sent it (resource <c>service.instance.id</c>), ids as hex.</summary>
internal sealed record ReceivedSpan(string Node, string TraceId, string SpanId, string ParentSpanId, string Name);

/// <summary>
/// A tiny OTLP/HTTP receiver: accepts <c>POST /v1/traces</c> (protobuf) on a free loopback port, keeps every span,
/// answers 200 with an empty ExportTraceServiceResponse.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly Task _loop;

    public OtlpReceiver()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_spans)
            {
                return [.. _spans];
            }
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener closed under a pending GetContextAsync: the loop's normal end.
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                if (context.Request.HttpMethod == "POST" && context.Request.Url!.AbsolutePath == "/v1/traces")
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
                    lock (_spans)
                    {
                        foreach (var resource in request.ResourceSpans)
                        {
                            var node = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.instance.id")?.Value?.StringValue ?? "";
                            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                            {
                                _spans.Add(new(node, Convert.ToHexString(span.TraceId.Span), Convert.ToHexString(span.SpanId.Span),
                                    Convert.ToHexString(span.ParentSpanId.Span), span.Name));
                            }
                        }
                    }
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/x-protobuf";
                }
                else
                {
                    context.Response.StatusCode = 404;
                }
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
