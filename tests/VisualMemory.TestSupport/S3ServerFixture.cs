using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using VisualMemory.Storage;
using Xunit;

namespace VisualMemory.TestSupport;

/// <summary>
/// A real S3 server (npm s3rver, installed under tools/s3rver by scripts/setup.sh) on 127.0.0.1,
/// on a port the OS picks, with its data in a temporary directory; one per test class, stopped by
/// its process id at the end. Fails (never skips) when s3rver is not installed.
/// </summary>
public sealed partial class S3ServerFixture : IAsyncLifetime
{
    public const string Bucket = "vm-tests";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "vm-s3rver-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public Uri ServiceUrl { get; private set; } = new("http://127.0.0.1:1");

    public S3ObjectStoreOptions Options(string prefix, int listPageSize = 1000) => new()
    {
        ServiceUrl = ServiceUrl,
        Bucket = Bucket,
        Prefix = prefix,
        ListPageSize = listPageSize,
    };

    public async Task InitializeAsync()
    {
        var script = LocateS3rver(RepositoryRoot());
        Directory.CreateDirectory(_dataDirectory);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver encrypts list continuation tokens with DES, which Node 17+ (OpenSSL 3) only offers
        // through the legacy provider; without it every second list page is a 500.
        foreach (var argument in new[] { "--openssl-legacy-provider", script, "--directory", _dataDirectory, "--address", "127.0.0.1", "--port", "0", "--no-vhost-buckets" })
        {
            start.ArgumentList.Add(argument);
        }
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is not installed: run scripts/setup.sh.", e);
        }
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"s3rver exited at start: {errors}"));
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        ServiceUrl = new Uri($"http://127.0.0.1:{port}");
        await WaitForConnectionAsync(port);
        using var store = new S3ObjectStore(Options(""));
        await store.CreateBucketIfMissingAsync();
    }

    public Task DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            _process.Dispose();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        return Task.CompletedTask;
    }

    /// <summary>The s3rver entry script under <paramref name="repositoryRoot"/>; throws, saying to run setup, when it is missing.</summary>
    public static string LocateS3rver(string repositoryRoot)
    {
        var script = Path.Combine(repositoryRoot, "tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"s3rver is not installed ({script} is missing): run scripts/setup.sh.");
        }
        return script;
    }

    private static async Task WaitForConnectionAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VisualMemoryCluster.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (VisualMemoryCluster.sln) above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"listening on [^\s:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
