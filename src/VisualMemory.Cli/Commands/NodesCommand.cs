using System.Globalization;

namespace VisualMemory.Cli.Commands;

/// <summary>
/// vm nodes: the cluster's nodes as the control plane sees them, and which one is controller;
/// vm nodes drain NAME [--undrain] [--wait]; vm nodes operations.
/// </summary>
internal static class NodesCommand
{
    public static async Task<int> Run(ApiClient api, string? action, string[] positional, CliArguments options, TextWriter output)
    {
        switch (action)
        {
            case null:
                return await List(api, output).ConfigureAwait(false);
            case "drain":
                return await Drain(api, positional, options, output).ConfigureAwait(false);
            case "operations":
                return await OperationsCommand.Run(api, output).ConfigureAwait(false);
            default:
                throw new UsageException($"unknown nodes action '{action}' (expected drain or operations)");
        }
    }

    private static async Task<int> List(ApiClient api, TextWriter output)
    {
        var view = await api.Get("/v1/cluster/nodes").ConfigureAwait(false) ?? throw new ServerException("the server has no /v1/cluster/nodes");
        var controller = (string?)view["controller"]?["holder"];
        foreach (var node in view["nodes"]!.AsArray())
        {
            var name = (string)node!["name"]!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} {((bool)node["alive"]! ? "alive" : "dead"),-5} {((bool)node["draining"]! ? "draining" : ""),-8} {(string?)node["roles"],-40} {(string?)node["address"]}{(name == controller ? "  (controller)" : "")}"));
        }
        return 0;
    }

    private static async Task<int> Drain(ApiClient api, string[] positional, CliArguments options, TextWriter output)
    {
        if (positional.Length != 1)
        {
            throw new UsageException("nodes drain needs one NODE, e.g. vm nodes drain n2");
        }
        var node = positional[0];
        var undrain = options.Flag("undrain");
        if (undrain && options.Flag("wait"))
        {
            throw new UsageException("--wait waits for a drain to finish; an undrain has nothing to wait for");
        }
        var path = $"/v1/cluster/nodes/{Uri.EscapeDataString(node)}/drain";
        if (undrain)
        {
            await api.Delete(path).ConfigureAwait(false);
            output.WriteLine($"accepted: node {node} no longer draining; it may receive replicas again");
            return 0;
        }
        await api.Post(path, new { }).ConfigureAwait(false);
        output.WriteLine($"accepted: node {node} draining; its replicas move away, each once its replacement is ready");
        if (!options.Flag("wait"))
        {
            return 0;
        }
        return await OperationsCommand.Wait(api, options, output, view =>
            !view["drains"]!.AsArray().Any(d => (string?)d!["node"] == node && (int)d["replicas"]! > 0)).ConfigureAwait(false);
    }
}
