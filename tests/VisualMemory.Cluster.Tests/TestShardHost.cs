using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.Core.Search;

namespace VisualMemory.Cluster.Tests;

/// <summary>How a <see cref="TestShardHost"/> answers.</summary>
public enum HostMode
{
    Answer,
    Refuse,
    Malformed,
}

/// <summary>
/// A real Kestrel h2c shard host serving <c>POST /internal/v1/shard-search</c> by exact brute force
/// over its items (shard = index mod shard count), in the single-node total order. It counts the
/// requests it receives and their rows, so tests can see what a coordinator actually sent.
/// </summary>
public sealed class TestShardHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly float[][] _vectors;
    private readonly string[] _labels;
    private readonly int _shards;
    private int _requests;
    private int _aborted;

    private TestShardHost(WebApplication app, float[][] vectors, string[] labels, int shards)
    {
        _app = app;
        _vectors = vectors;
        _labels = labels;
        _shards = shards;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Added before answering, so that callers arriving meanwhile queue behind a batch in flight.</summary>
    public TimeSpan Delay { get; set; }

    public HostMode Mode { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests the caller abandoned while this host was still delaying its answer.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Query rows of each request received, in arrival order.</summary>
    public ConcurrentQueue<int> RowsPerRequest { get; } = new();

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _requests, 0);
        RowsPerRequest.Clear();
    }

    public static async Task<TestShardHost> StartAsync(float[][] vectors, string[] labels, int shards)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var host = new TestShardHost(app, vectors, labels, shards);
        app.MapPost(ShardSearchClient.Route, host.HandleAsync);
        await app.StartAsync();
        host.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return host;
    }

    private async Task<IResult> HandleAsync(HttpRequest http)
    {
        using var body = new MemoryStream();
        await http.Body.CopyToAsync(body);
        var request = ShardSearchRequest.Parser.ParseFrom(body.ToArray());
        var rows = request.Queries.Count / request.Dimension;
        Interlocked.Increment(ref _requests);
        RowsPerRequest.Enqueue(rows);
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, http.HttpContext.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The coordinator reset the stream: nobody reads an answer.
                Interlocked.Increment(ref _aborted);
                return Results.Empty;
            }
        }
        switch (Mode)
        {
            case HostMode.Refuse:
                return Results.Problem("refusing on purpose", statusCode: StatusCodes.Status503ServiceUnavailable);
            case HostMode.Malformed:
                var ragged = new ShardSearchResponse { Labels = { "x" } };
                ragged.Queries.Add(new QueryHits { Ids = { 1, 2 }, Labels = { 0 }, Similarities = { 0.5f }, Reliabilities = { 1 } });
                return Results.Bytes(ragged.ToByteArray(), ShardSearchClient.MediaType);
        }
        var shards = request.Shards.ToHashSet();
        var queries = request.Queries.ToArray();
        var results = new List<IReadOnlyList<Neighbor>>();
        for (var q = 0; q < rows; q++)
        {
            var query = queries.AsSpan(q * request.Dimension, request.Dimension);
            var hits = new List<Neighbor>();
            for (var i = 0; i < _vectors.Length; i++)
            {
                if (shards.Count == 0 || shards.Contains(i % _shards))
                {
                    var similarity = 0f;
                    for (var j = 0; j < query.Length; j++)
                    {
                        similarity += query[j] * _vectors[i][j];
                    }
                    hits.Add(new Neighbor(Id(i), i % _labels.Length, similarity));
                }
            }
            hits.Sort(NeighborOrder.Instance);
            results.Add(hits.Take(request.K).ToArray());
        }
        return Results.Bytes(ShardSearchCodec.Encode(results, i => _labels[i]).ToByteArray(), ShardSearchClient.MediaType);
    }

    /// <summary>The id of the item at <paramref name="index"/>: not its index, so ids and positions cannot be confused.</summary>
    public static long Id(int index) => index * 7919L + 3;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
