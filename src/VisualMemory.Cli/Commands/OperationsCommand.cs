using System.Globalization;
using System.Text.Json.Nodes;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm operations (also vm nodes operations): what operators asked the controller for and how far it
/// has got; and the --wait loop of move and drain, which polls the same view until their work is done.
/// </summary>
internal static class OperationsCommand
{
    /// <summary>Exit code of a --wait that ran out of time with the work still in progress.</summary>
    public const int StillInProgress = 5;

    public static async Task<int> Run(ApiClient api, TextWriter output)
    {
        var view = await Read(api).ConfigureAwait(false);
        foreach (var line in Describe(view))
        {
            output.WriteLine(line);
        }
        return 0;
    }

    /// <summary>Polls GET /v1/cluster/operations, printing progress when it changes, until <paramref name="finished"/> holds (0) or the timeout passes (<see cref="StillInProgress"/>).</summary>
    public static async Task<int> Wait(ApiClient api, CliArguments options, TextWriter output, Func<JsonNode, bool> finished)
    {
        var timeout = TimeSpan.FromSeconds(options.Int("timeout", 600));
        var interval = TimeSpan.FromMilliseconds(Math.Max(10, options.Int("interval-ms", 1000)));
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (true)
        {
            var view = await Read(api).ConfigureAwait(false);
            var text = string.Join(Environment.NewLine, Describe(view));
            if (text != last)
            {
                output.WriteLine(text);
                last = text;
            }
            if (finished(view))
            {
                output.WriteLine("done");
                return 0;
            }
            if (DateTime.UtcNow >= deadline)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"still in progress after {timeout.TotalSeconds:0} s; see `vm operations`"));
                return StillInProgress;
            }
            await Task.Delay(interval).ConfigureAwait(false);
        }
    }

    private static async Task<JsonNode> Read(ApiClient api) =>
        await api.Get("/v1/cluster/operations").ConfigureAwait(false) ?? throw new ServerException("the server has no /v1/cluster/operations");

    /// <summary>One line per pending move, draining node and rebalance request, then the loading count.</summary>
    public static IEnumerable<string> Describe(JsonNode view)
    {
        foreach (var move in view["moves"]!.AsArray())
        {
            yield return $"move {(string?)move!["memory"]}/{(int)move["shard"]!} {(string?)move["from"]} -> {(string?)move["to"]}: new replica {(string?)move["target"]}, old replica {(string?)move["source"]}";
        }
        foreach (var drain in view["drains"]!.AsArray())
        {
            var replicas = (int)drain!["replicas"]!;
            yield return $"drain {(string?)drain["node"]}: {(replicas == 0 ? "empty" : replicas.ToString(CultureInfo.InvariantCulture) + " replica(s) left")}{((bool)drain["alive"]! ? "" : " (node dead)")}";
        }
        if (view["rebalance"] is { } rebalance)
        {
            yield return $"rebalance pending since {(string?)rebalance["requestedAt"]}";
        }
        var loading = (int)view["loadingReplicas"]!;
        yield return (bool)view["done"]!
            ? $"no operations pending{(loading > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({loading} replica(s) loading)") : "")}"
            : string.Create(CultureInfo.InvariantCulture, $"{loading} replica(s) loading");
    }
}
