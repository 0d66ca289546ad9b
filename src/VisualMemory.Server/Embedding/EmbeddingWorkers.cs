using System.Diagnostics;
using VisualMemory.Core.Diagnostics;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using VisualMemory.Cluster.Protocol;
using VisualMemory.Cluster.Transport;
using VisualMemory.ControlPlane;
using VisualMemory.Server.Cluster;

namespace VisualMemory.Server.Embedding;

/// <summary>
/// Embedding on other nodes, for models this node does not run: the workers are those listed in
/// <see cref="EmbeddingSettings.Workers"/> plus, in cluster mode, the live nodes with the EmbeddingWorker role
/// in the cached control-plane view. Calls start at the next worker in turn (round robin); a worker that
/// lacks the model or cannot be reached is passed over for that model for <see cref="EmbeddingSettings.WorkerRetryMilliseconds"/>,
/// and a busy (429), failing (5xx) or mismatched (409) one makes the call try the next before answering.
/// </summary>
internal sealed partial class EmbeddingWorkers(
    IOptions<EmbeddingSettings> options, IOptions<ClusterSettings> cluster, ClusterView view, NodeIdentity identity, EmbeddingClient client, ILogger<EmbeddingWorkers> logger)
{
    private readonly ConcurrentDictionary<(Uri Worker, string Model), (DateTimeOffset Until, bool Unreachable, string Reason)> _passedOver = new();
    private readonly IReadOnlyList<Uri> _static = ParseStatic(options.Value);
    private int _next = -1;

    /// <summary>The workers listed in <see cref="EmbeddingSettings.Workers"/> (entries may also hold several URLs separated by commas).</summary>
    /// <exception cref="InvalidOperationException">An entry is not an absolute http URL.</exception>
    public static IReadOnlyList<Uri> ParseStatic(EmbeddingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return [.. settings.Workers.SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(w =>
            Uri.TryCreate(w, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp
                ? uri
                : throw new InvalidOperationException($"Embedding:Workers: '{w}' must be a worker's internal URL such as http://10.0.0.7:5081"))
            .Distinct()];
    }

    /// <summary>
    /// Sends <paramref name="images"/> (none: only describe the model) to a worker that has <paramref name="model"/>,
    /// trying the others when one cannot. The answer is checked: one vector of the answered dimension per image,
    /// and the expected hash when one was given.
    /// </summary>
    /// <param name="model">The model's name.</param>
    /// <param name="expectedSha256">The file the caller's memory was built with; null for any.</param>
    /// <param name="images">Encoded images, in order.</param>
    /// <param name="noneOffers">The refusal when no worker has the model, given why (which workers said what).</param>
    /// <param name="mismatchContext">Put before a worker's 409 detail (which memory wanted which file).</param>
    /// <param name="cancellationToken">The caller's request.</param>
    /// <exception cref="EmbeddingUnavailableException">
    /// An image is refused (the worker's 400/413/415/422, passed on), or every worker was busy (429), had another
    /// version (409), or failed (503); or none offers the model (<paramref name="noneOffers"/>).
    /// </exception>
    public async Task<EmbedResponse> EmbedAsync(string model, string? expectedSha256, IReadOnlyList<ReadOnlyMemory<byte>> images,
        Func<string, EmbeddingUnavailableException> noneOffers, string mismatchContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(noneOffers);
        var workers = await ListAsync(cancellationToken).ConfigureAwait(false);
        if (workers.Count == 0)
        {
            throw noneOffers("no embedding worker is configured (Embedding:Workers) or registered with the EmbeddingWorker role");
        }
        var request = new EmbedRequest { Model = model, ExpectedSha256 = expectedSha256 ?? "" };
        // Wrapped, not copied: the request is only serialised, never changed.
        request.Images.AddRange(images.Select(UnsafeByteOperations.UnsafeWrap));
        var notOffered = new List<string>();
        var failed = new List<string>();
        EmbeddingCallException? busy = null;
        EmbeddingCallException? mismatch = null;
        // Workers passed over for this model only say why; the turn rotates over the rest, so each of those gets an equal share.
        var now = DateTimeOffset.UtcNow;
        var usable = new List<Uri>(workers.Count);
        foreach (var worker in workers)
        {
            if (_passedOver.TryGetValue((worker, model), out var passed) && passed.Until > now)
            {
                (passed.Unreachable ? failed : notOffered).Add($"{worker}: {passed.Reason}");
            }
            else
            {
                usable.Add(worker);
            }
        }
        var first = usable.Count == 0 ? 0 : (int)((uint)Interlocked.Increment(ref _next) % (uint)usable.Count);
        for (var i = 0; i < usable.Count; i++)
        {
            var worker = usable[(first + i) % usable.Count];
            // One span per worker tried; current during the call so the worker's spans join this trace.
            using var activity = Tracing.Source.StartActivity("fanout embed", ActivityKind.Client);
            activity?.SetTag("vm.node", worker.ToString());
            activity?.SetTag("vm.model", model);
            try
            {
                var response = await client.EmbedAsync(worker, request, cancellationToken).ConfigureAwait(false);
                if (Malformed(response, model, expectedSha256, images.Count) is { } wrong)
                {
                    failed.Add($"{worker}: {wrong}");
                    continue;
                }
                return response;
            }
            catch (EmbeddingCallException e) when ((int)e.Status == StatusCodes.Status404NotFound)
            {
                PassOver(worker, model, unreachable: false, e.Message);
                notOffered.Add($"{worker}: {e.Message}");
            }
            catch (EmbeddingCallException e) when ((int)e.Status == StatusCodes.Status409Conflict)
            {
                // Another worker may hold the memory's version of the model.
                mismatch ??= e;
            }
            catch (EmbeddingCallException e) when ((int)e.Status == StatusCodes.Status429TooManyRequests)
            {
                busy = busy is null || (e.RetryAfter ?? TimeSpan.MaxValue) < (busy.RetryAfter ?? TimeSpan.MaxValue) ? e : busy;
            }
            catch (EmbeddingCallException e) when ((int)e.Status >= 500)
            {
                failed.Add($"{worker}: {e.Message}");
            }
            catch (EmbeddingCallException e)
            {
                // The images themselves are refused (bad, too large): every worker would say the same.
                throw new EmbeddingUnavailableException((int)e.Status, e.Title, e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var reason = e is OperationCanceledException ? $"no answer within {options.Value.WorkerTimeoutMilliseconds} ms" : $"unreachable ({e.Message})";
                PassOver(worker, model, unreachable: true, reason);
                failed.Add($"{worker}: {reason}");
            }
        }
        if (busy is not null)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status429TooManyRequests, busy.Title, busy.Message, busy.RetryAfter);
        }
        if (mismatch is not null)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status409Conflict, mismatch.Title, mismatchContext + mismatch.Message);
        }
        if (failed.Count > 0)
        {
            throw new EmbeddingUnavailableException(StatusCodes.Status503ServiceUnavailable, "Model unavailable.",
                $"no embedding worker could embed with model '{model}': {string.Join("; ", failed.Concat(notOffered))}");
        }
        throw noneOffers($"no embedding worker offers it ({string.Join("; ", notOffered)})");
    }

    // Static workers first, then the cluster's, each once; never this node (it would answer from its own models, which were asked already).
    private async Task<IReadOnlyList<Uri>> ListAsync(CancellationToken cancellationToken)
    {
        if (!cluster.Value.Distributed)
        {
            return _static;
        }
        ClusterSnapshot snapshot;
        try
        {
            snapshot = await view.GetAsync(TimeSpan.FromMilliseconds(cluster.Value.HeartbeatMilliseconds), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // The control plane is briefly unreachable: the last reading still names the workers.
            LogViewFailed(e.Message);
            snapshot = view.Current;
        }
        return [.. _static.Concat(snapshot.LiveNodes(NodeRoles.EmbeddingWorker).Where(n => n.Name != identity.Name).Select(n => new Uri(n.Address))).Distinct()];
    }

    private void PassOver(Uri worker, string model, bool unreachable, string reason)
    {
        _passedOver[(worker, model)] = (DateTimeOffset.UtcNow.AddMilliseconds(options.Value.WorkerRetryMilliseconds), unreachable, reason);
        LogPassedOver(worker.ToString(), model, reason);
    }

    private static string? Malformed(EmbedResponse response, string model, string? expectedSha256, int images) =>
        response.Model != model || response.Dimension <= 0 ? $"answered for model '{response.Model}' with dimension {response.Dimension}"
        : !string.IsNullOrEmpty(expectedSha256) && response.Sha256 != expectedSha256 ? $"answered with sha256 {response.Sha256}, not {expectedSha256}"
        : response.Vectors.Count != images * response.Dimension ? $"answered {response.Vectors.Count} floats for {images} images of {response.Dimension} dimensions"
        : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding worker {Worker} passed over for model {Model}: {Reason}")]
    private partial void LogPassedOver(string worker, string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control plane unreadable while looking for embedding workers: {Reason}")]
    private partial void LogViewFailed(string reason);
}
