using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace VisualMemory.Cli.Tests;

/// <summary>A real in-process server with its own data directory, and `vm` run against it in process.</summary>
public abstract class CliHarness : IDisposable
{
    private readonly WebApplicationFactory<Program> _server;

    protected CliHarness()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("vm-cli-").FullName;
        // Background checkpoints only when a command asks (vm memory seal), so what the CLI shows is deterministic.
        _server = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("data-dir", Path.Combine(Directory, "data"))
            .UseSetting("Memory:CheckpointIntervalMilliseconds", "3600000"));
    }

    /// <summary>Scratch directory for data files, deleted afterwards.</summary>
    protected string Directory { get; }

    public void Dispose()
    {
        _server.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected async Task<(int Exit, string Output, string Error)> Vm(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.Run(args, output, error, _ => _server.CreateClient());
        return (exit, output.ToString(), error.ToString());
    }
}
