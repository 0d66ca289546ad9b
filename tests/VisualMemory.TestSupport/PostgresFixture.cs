using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace VisualMemory.TestSupport;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql package, installed by scripts/setup.sh) in a
/// temporary cluster of its own: initdb into a temporary directory, listening on 127.0.0.1 on a free
/// port, trust authentication, stopped with pg_ctl (or by its process id) at the end. One per test
/// class, with a database for the class (<see cref="ConnectionString"/>) and more on demand
/// (<see cref="CreateDatabaseAsync"/>). Fails (never skips) when PostgreSQL is not installed.
/// initdb and postgres refuse to run as root, so as root (CI) the cluster belongs to the
/// <c>postgres</c> OS user and every server command runs through <c>runuser -u postgres --</c>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vm-postgres-" + Guid.NewGuid().ToString("N"));
    private readonly bool _asRoot = Environment.UserName == "root";
    private string _binDirectory = "";
    private int _port;
    private bool _started;

    /// <summary>The connection string of this test class's database.</summary>
    public string ConnectionString { get; private set; } = "";

    private string DataDirectory => Path.Combine(_root, "data");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _binDirectory = LocateBinaries();
        if (_asRoot)
        {
            await RunAsync("runuser", ["-u", "postgres", "--", "mkdir", "-p", _root]);
        }
        else
        {
            Directory.CreateDirectory(_root);
        }
        await RunServerToolAsync("initdb", ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"]);
        _port = FreePort();
        // Durability settings off: the cluster lives for one test class and is thrown away.
        var options = string.Join(' ',
            "-c listen_addresses=127.0.0.1", $"-p {_port}", $"-k {_root}",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200");
        _started = true;
        await RunServerToolAsync("pg_ctl", ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(_root, "server.log"), "-o", options]);
        ConnectionString = await CreateDatabaseAsync("class_" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>Creates an empty database named <paramref name="name"/> (letters, digits, underscores) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("Database names here are letters, digits and underscores.", nameof(name));
        }
        await using (var connection = new NpgsqlConnection(Connection("postgres")))
        {
            await connection.OpenAsync();
            // Identifiers cannot be parameters; the name was checked above.
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return Connection(name);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            try
            {
                await RunServerToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"]);
            }
            catch (InvalidOperationException)
            {
                KillPostmaster();
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        catch (UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private string Connection(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = database,
        // Generous: the concurrency tests open many connections at once on a small machine.
        MaxPoolSize = 50,
        Timeout = 30,
    }.ConnectionString;

    /// <summary>The newest /usr/lib/postgresql/VERSION/bin holding initdb; throws, saying to run setup, when there is none.</summary>
    private static string LocateBinaries()
    {
        const string debianRoot = "/usr/lib/postgresql";
        var candidates = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Select(directory => (Version: double.TryParse(Path.GetFileName(directory), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : -1, Bin: Path.Combine(directory, "bin")))
                .Where(candidate => File.Exists(Path.Combine(candidate.Bin, "initdb")))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0]
            : throw new InvalidOperationException($"PostgreSQL is not installed (no {debianRoot}/*/bin/initdb): run scripts/setup.sh.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task RunServerToolAsync(string tool, string[] arguments)
    {
        var path = Path.Combine(_binDirectory, tool);
        return _asRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }

    /// <summary>When pg_ctl cannot stop the server, kill the postmaster by the process id it wrote.</summary>
    private void KillPostmaster()
    {
        try
        {
            var pid = int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or FormatException or UnauthorizedAccessException)
        {
            // already gone, or never written
        }
    }
}
