using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VisualMemory.TestSupport;

/// <summary>
/// The real server (<c>VisualMemory.Server.dll</c>, copied next to the tests by the test project's reference to VisualMemory.Server)
/// running as a separate OS process on a free loopback port, so a test can SIGKILL it: an in-process
/// host cannot be killed without killing the test runner, and disposing it shuts down gracefully.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    /// <summary>Exit code .NET reports on Unix for a child ended by signal 9 (128 + SIGKILL).</summary>
    public const int SigkillExitCode = 128 + 9;

    /// <summary>
    /// The cluster secret every node started here gets unless its settings name <c>Security:ClusterSecret</c> or
    /// <c>Security:AllowAnonymous</c> themselves: cluster nodes refuse to start without one, and nodes of one test must share it.
    /// </summary>
    public const string ClusterSecret = "test-cluster-secret-0123456789";

    private const int TailLines = 200;

    // Everything the server wrote, up to this many characters, for tests that inspect the whole log.
    private const int MaxOutputChars = 4 << 20;

    private readonly System.Text.StringBuilder _output = new();

    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private ServerProcess(Process process, int port, string scheme, HttpMessageHandler? handler)
    {
        _process = process;
        Port = port;
        Client = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = new Uri($"{scheme}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            // Generous: with durability every write may wait for an fsync on a busy 2-core machine.
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>A client bound to this server instance only; a restarted server gets a fresh one, so no pooled connection outlives its server.</summary>
    public HttpClient Client { get; }

    /// <summary>The operating-system process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the server wrote to stdout and stderr so far (up to 4 Mi characters).</summary>
    public string Output
    {
        get
        {
            lock (_tail)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The last lines the server wrote to stdout and stderr, for failure messages.</summary>
    public string OutputTail
    {
        get
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    /// <summary>
    /// Starts the server on <paramref name="dataDirectory"/> with <paramref name="settings"/> as extra
    /// command-line switches, and returns once GET /healthz answers 200 (within <paramref name="startTimeout"/>).
    /// With <paramref name="scheme"/> "https" the server listens with TLS (its settings name the certificate) and
    /// <paramref name="handler"/> (owned by the client from then on) must trust it. <paramref name="listenHost"/> is the
    /// address in the server's URL (the client always connects to 127.0.0.1): "0.0.0.0" listens beyond loopback.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, IReadOnlyList<string> settings, TimeSpan startTimeout,
        string scheme = "http", Func<HttpMessageHandler>? handler = null, string listenHost = "127.0.0.1")
    {
        ArgumentNullException.ThrowIfNull(settings);
        var dll = Path.Combine(AppContext.BaseDirectory, "VisualMemory.Server.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"the server is not built next to the tests: {dll}", dll);
        }
        // The free port is found by binding port 0 and releasing it, so another process can take it
        // before the server binds; the server then exits at once, and a new port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(dll, dataDirectory, FreePort(), WithClusterSecret(settings), scheme, handler?.Invoke(), listenHost);
            bool healthy;
            try
            {
                healthy = await server.WaitHealthyAsync(startTimeout).ConfigureAwait(false);
            }
            catch
            {
                server.Dispose();
                throw;
            }
            if (healthy)
            {
                return server;
            }
            var tail = server.OutputTail;
            var exitCode = server._process.ExitCode;
            server.Dispose();
            if (attempt >= 3 || !tail.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"the server exited with {exitCode.ToString(CultureInfo.InvariantCulture)} before it was healthy:\n{tail}");
            }
        }
    }

    /// <summary>
    /// Kills the server with SIGKILL (what <see cref="Process.Kill(bool)"/> sends on Unix), so no
    /// shutdown hook, finalizer or flush runs, and waits for it to be gone. Returns the exit code,
    /// which is <see cref="SigkillExitCode"/> when the signal really was SIGKILL.
    /// </summary>
    public int Kill()
    {
        _process.Kill(entireProcessTree: true);
        // Also waits until the redirected output has been read to its end.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the server if it still runs (a failing test must not leave it behind) and frees the client.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // The process was never started or is already reaped: nothing to kill.
        }
        Client.Dispose();
        _process.Dispose();
    }

    private static IReadOnlyList<string> WithClusterSecret(IReadOnlyList<string> settings) =>
        settings.Any(s => s.StartsWith("--Security:ClusterSecret", StringComparison.OrdinalIgnoreCase) || s.StartsWith("--Security:AllowAnonymous", StringComparison.OrdinalIgnoreCase))
            ? settings
            : [.. settings, $"--Security:ClusterSecret={ClusterSecret}"];

    private static ServerProcess Launch(string dll, string dataDirectory, int port, IReadOnlyList<string> settings, string scheme, HttpMessageHandler? handler, string listenHost)
    {
        // DOTNET_HOST_PATH is the dotnet that runs the tests; the same runtime then runs the server.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"{scheme}://{listenHost}:{port.ToString(CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add("--data-dir");
        start.ArgumentList.Add(dataDirectory);
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }
        // --urls on the command line wins anyway; this keeps an inherited variable from confusing a reader of the logs.
        start.Environment.Remove("ASPNETCORE_URLS");
        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, port, scheme, handler);
        // Both streams are drained asynchronously from the start: a full pipe would block the
        // server's logger and with it request handling, which would look like a hang.
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>A loopback port free at the moment of asking (another process may take it before the caller binds it).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_tail)
        {
            if (_output.Length < MaxOutputChars)
            {
                _output.AppendLine(line);
            }
            _tail.Enqueue(line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>True once /healthz answers 200; false if the process exits first; throws on timeout.</summary>
    private async Task<bool> WaitHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                // Lets the asynchronous readers reach the end of the output, so the tail shows why.
                _process.WaitForExit();
                return false;
            }
            try
            {
                // Short per-probe timeout: a probe sent before Kestrel listens must not eat the whole budget.
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await Client.GetAsync(new Uri("/healthz", UriKind.Relative), probe.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet (or still loading its data): try again.
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the server (pid {ProcessId.ToString(CultureInfo.InvariantCulture)}) was not healthy within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s:\n{OutputTail}");
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
