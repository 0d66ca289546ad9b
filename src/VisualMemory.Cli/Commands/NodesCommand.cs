using System.Globalization;

namespace VisualMemory.Cli.Commands;

/// <summary>vm nodes: the cluster's nodes as the control plane sees them, and which one is controller.</summary>
internal static class NodesCommand
{
    public static async Task<int> Run(ApiClient api, TextWriter output)
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
}
