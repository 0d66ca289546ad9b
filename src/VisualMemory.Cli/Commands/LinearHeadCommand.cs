using System.Globalization;

namespace VisualMemory.Cli.Commands;

/// <summary>vm head train --memory NAME [--epochs 10] [--learning-rate 0.001]: trains the JOINT-INF linear head on the memory.</summary>
internal static class LinearHeadCommand
{
    public static async Task<int> Run(ApiClient api, string action, CliArguments args, TextWriter output)
    {
        if (action != "train")
        {
            throw new UsageException($"unknown head action '{action}'; use train");
        }
        var memory = args.Required("memory");
        var learningRate = args.String("learning-rate", "0.001");
        var result = await api.Post($"/v1/memories/{memory}/linear-head/train", new
        {
            epochs = args.Int("epochs", 10),
            learningRate = double.TryParse(learningRate, NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) ? lr : throw new UsageException("--learning-rate must be a number"),
        }).ConfigureAwait(false);
        var losses = result["epochLosses"]!.AsArray().Select(l => (double)l!).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained linear head of {memory}: {(int)result["classes"]!} classes x {(int)result["dimension"]!}; loss {losses[0]:F4} -> {losses[^1]:F4}"));
        return 0;
    }
}
