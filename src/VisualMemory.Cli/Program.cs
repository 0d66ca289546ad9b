namespace VisualMemory.Cli;

/// <summary>Entry point of `vm`; named so it does not clash with the server's Program in tests that host both.</summary>
internal static class VmProgram
{
    public static Task<int> Main(string[] args) =>
        CliApp.Run(args, Console.Out, Console.Error, connection => connection.CreateClient());
}
