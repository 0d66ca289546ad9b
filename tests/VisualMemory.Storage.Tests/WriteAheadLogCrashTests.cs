using System.Diagnostics;
using System.Globalization;
using VisualMemory.Storage.CrashProbe;
using VisualMemory.Storage.Log;
using Xunit.Abstractions;

namespace VisualMemory.Storage.Tests;

/// <summary>
/// A real process (tests/VisualMemory.Storage.CrashProbe) appends from several tasks while rotating
/// and truncating, and is killed with SIGKILL at a random moment; the log is reopened after every
/// round and every acknowledged append must be there with its payload.
/// </summary>
public sealed class WriteAheadLogCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 24;
    private const int Workers = 4;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vm-wal-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Sigkill_at_random_moments_loses_no_acknowledged_append()
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "VisualMemory.Storage.CrashProbe.dll");
        Assert.True(File.Exists(probe), $"crash probe not built next to the tests: {probe}");
        var random = new Random(20261121);
        // position → (round, worker, counter) of every acknowledged append, over all rounds
        var acknowledged = new Dictionary<long, (long Round, int Worker, long Counter)>();
        long truncateIntent = 0;
        long totalRecovered = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var round = 1; round <= Rounds; round++)
        {
            var lines = RunAndKill(probe, round, random.Next(30, 400));
            var opened = lines.FirstOrDefault(l => l.StartsWith("OPEN ", StringComparison.Ordinal));
            Assert.True(opened is not null, $"round {round}: the probe never opened the log");
            foreach (var line in lines)
            {
                var parts = line.Split(' ');
                if (parts[0] == "A" && parts.Length == 5 && parts[4] == ".")
                {
                    var position = long.Parse(parts[1], CultureInfo.InvariantCulture);
                    // a position is given once: a later round reusing it means an acknowledged record was lost
                    Assert.True(acknowledged.TryAdd(position, (round, int.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture))),
                        $"round {round}: position {position} acknowledged twice");
                }
                else if (parts[0] == "T" && parts.Length == 3 && parts[2] == ".")
                {
                    truncateIntent = Math.Max(truncateIntent, long.Parse(parts[1], CultureInfo.InvariantCulture));
                }
            }

            using var log = WriteAheadLog.Open(_dir);
            totalRecovered += log.RecoveredTailBytes;
            var present = log.ReadFrom(log.FirstPosition).ToDictionary(r => r.Position, r => r.Payload);
            // contiguous from FirstPosition, nothing after a gap, every record well formed
            Assert.Equal(log.NextPosition - log.FirstPosition, present.Count);
            Assert.All(present.Values, p => Assert.True(ProbePayload.IsWellFormed(p)));
            Assert.True(log.FirstPosition <= Math.Max(1, truncateIntent), $"round {round}: log starts at {log.FirstPosition}, beyond any truncation asked for ({truncateIntent})");
            foreach (var (position, (ackRound, worker, counter)) in acknowledged)
            {
                if (position < log.FirstPosition)
                {
                    Assert.True(position < truncateIntent, $"round {round}: acknowledged position {position} is gone but no truncation covered it");
                    continue;
                }
                Assert.True(present.TryGetValue(position, out var payload), $"round {round}: acknowledged position {position} is missing (log {log.FirstPosition}..{log.NextPosition - 1})");
                Assert.Equal(ProbePayload.Make(ackRound, worker, counter), payload);
            }
            output.WriteLine($"round {round}: {lines.Count(l => l.StartsWith('A'))} acknowledged, log {log.FirstPosition}..{log.NextPosition - 1} in {log.FileCount} files, tail cut {log.RecoveredTailBytes} bytes");
        }
        output.WriteLine($"{Rounds} rounds, {acknowledged.Count} acknowledged appends, {totalRecovered} torn-tail bytes cut, {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.True(acknowledged.Count > Rounds * 10, $"only {acknowledged.Count} appends were acknowledged; the probe did little");
    }

    /// <summary>Starts the probe, lets it run <paramref name="milliseconds"/> after its log is open, SIGKILLs it, and returns its output lines.</summary>
    private List<string> RunAndKill(string probe, int round, int milliseconds)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(_dir);
        start.ArgumentList.Add(round.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(Workers.ToString(CultureInfo.InvariantCulture));
        var lines = new List<string>();
        var errors = new List<string>();
        using var opened = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(e.Data);
            }
            if (e.Data.StartsWith("OPEN ", StringComparison.Ordinal))
            {
                opened.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (errors)
                {
                    errors.Add(e.Data);
                }
            }
        };
        Assert.True(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!opened.Wait(TimeSpan.FromSeconds(20)) && process.HasExited)
        {
            process.WaitForExit();
            Assert.Fail($"round {round}: probe exited with {process.ExitCode}: {string.Join('\n', errors)}");
        }
        Thread.Sleep(milliseconds);
        Assert.False(process.HasExited, $"round {round}: probe stopped by itself: {string.Join('\n', errors)}");
        process.Kill();   // SIGKILL on Unix
        process.WaitForExit();   // also waits for the redirected output to be drained
        lock (lines)
        {
            return [.. lines];
        }
    }
}
