using System.Globalization;

namespace VisualMemory.Cli.Commands;

/// <summary>vm shards move MEMORY SHARD --from A --to B [--wait]: an operator move, make-before-break.</summary>
internal static class ShardsCommand
{
    public static async Task<int> Run(ApiClient api, string action, string[] positional, CliArguments options, TextWriter output)
    {
        if (action != "move")
        {
            throw new UsageException($"unknown shards action '{action}' (expected move)");
        }
        if (positional.Length != 2)
        {
            throw new UsageException("shards move needs MEMORY and SHARD, e.g. vm shards move m 0 --from a --to b");
        }
        var memory = positional[0];
        if (!int.TryParse(positional[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var shard) || shard < 0)
        {
            throw new UsageException($"SHARD must be a shard number, got '{positional[1]}'");
        }
        var from = options.Required("from");
        var to = options.Required("to");
        var accepted = await api.Post("/v1/cluster/shards/move", new { memory, shard, from, to }).ConfigureAwait(false);
        output.WriteLine($"accepted: move {memory}/{shard} from {(string?)accepted["from"]} to {(string?)accepted["to"]} (requested {(string?)accepted["requestedAt"]}); the old replica serves until the new one is ready");
        if (!options.Flag("wait"))
        {
            return 0;
        }
        return await OperationsCommand.Wait(api, options, output, view => !view["moves"]!.AsArray().Any(m =>
            (string?)m!["memory"] == memory && (int)m["shard"]! == shard && (string?)m["from"] == from)).ConfigureAwait(false);
    }
}
