namespace VisualMemory.Cli.Commands;

/// <summary>vm rebalance [--wait]: asks the controller to even out replicas across shard hosts.</summary>
internal static class RebalanceCommand
{
    public static async Task<int> Run(ApiClient api, CliArguments options, TextWriter output)
    {
        var accepted = await api.Post("/v1/cluster/rebalance", new { }).ConfigureAwait(false);
        output.WriteLine($"accepted: rebalance requested at {(string?)accepted["requestedAt"]}; replicas move make-before-break, a few at a time");
        if (!options.Flag("wait"))
        {
            return 0;
        }
        return await OperationsCommand.Wait(api, options, output, view => view["rebalance"] is null).ConfigureAwait(false);
    }
}
