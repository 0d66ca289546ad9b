using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VisualMemory.TestSupport;
using Xunit.Abstractions;

namespace VisualMemory.Server.Tests.Durability;

/// <summary>
/// Runs crash tests alone: they start server processes and load both cores, which would slow the
/// in-process route tests and stretch the crash test's own timing if they ran side by side.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerCrashGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "ServerCrash";
}

/// <summary>
/// Black-box durability test of the whole server: the real server process takes writes from four
/// concurrent clients and is SIGKILLed at a random moment; after a restart on the same data
/// directory every acknowledged write must be there (and every acknowledged delete must stay
/// deleted). Each client owns a disjoint id range and issues its operations one at a time, so the
/// expected state of every id is exact: the last acknowledged operation, or, for the ids of the one
/// operation in flight at the kill, either its old or its new state.
/// </summary>
/// <remarks>
/// Fails until the server makes writes durable before acknowledging them: today it saves snapshots
/// only at graceful shutdown, so round 1 loses the memory and every acknowledged item.
/// </remarks>
[Collection(ServerCrashGroup.Name)]
public sealed class ServerCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 20261122;
    private const int Rounds = 24;
    private const int WriterCount = 4;
    private const int Dimension = 16;
    private const string MemoryName = "crash";
    private const string MemoryPath = "/v1/memories/" + MemoryName;

    /// <summary>Ids each writer creates before it only re-inserts deleted ones: bounds the per-round verification to a few thousand GETs.</summary>
    private const int IdsPerWriter = 400;

    /// <summary>
    /// Small thresholds so seals and checkpoints happen within a round. The last two may not be
    /// known to the server yet; configuration binding ignores unknown keys. Request logging is off
    /// because on two cores it costs more than the requests themselves.
    /// </summary>
    private static readonly string[] ServerSettings =
    [
        "--Memory:SealThreshold=200",
        "--Memory:SealMaxAgeSeconds=1",
        "--Memory:CheckpointIntervalMilliseconds=200",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>A restart replays whatever the server persisted, which may take a while once there is a log to replay.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "vm-server-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task ServerCrash_sigkill_during_concurrent_writes_loses_no_acknowledged_write()
    {
        output.WriteLine($"seed {Seed}, {Rounds} rounds, {WriterCount} writers, data {_dataDirectory}");
        var random = new Random(Seed);
        var writers = Enumerable.Range(0, WriterCount).Select(i => new Writer(i, new Random(Seed + 1 + i))).ToArray();
        var total = Stopwatch.StartNew();
        ServerProcess? server = null;
        try
        {
            server = await ServerProcess.StartAsync(_dataDirectory, ServerSettings, StartTimeout);
            using (var created = await server.Client.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative),
                new { name = MemoryName, dimension = Dimension, index = "IVF8,Flat", shards = 2 }))
            {
                Assert.True(created.StatusCode == HttpStatusCode.Created, $"creating the memory: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            }

            long totalAcked = 0;
            var roundsFromSegments = 0;
            var roundsReplayingLog = 0;
            for (var round = 1; round <= Rounds; round++)
            {
                var roundClock = Stopwatch.StartNew();
                var killAfter = random.Next(200, 1501);
                var stop = new StopFlag();
                var violations = new ConcurrentQueue<string>();
                foreach (var writer in writers)
                {
                    writer.BeginRound(round);
                }
                var client = server.Client;
                var running = writers.Select(w => Task.Run(() => w.RunAsync(client, stop, violations))).ToArray();
                await Task.Delay(killAfter);
                var pid = server.ProcessId;
                var exitCode = server.Kill();
                stop.Set();
                // Exit code 137 proves the process died of signal 9, not of a graceful stop that could save state.
                Assert.True(exitCode == ServerProcess.SigkillExitCode, $"round {round}: server pid {pid} exited with {exitCode}, not by SIGKILL ({ServerProcess.SigkillExitCode})");
                await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(60));
                server.Dispose();
                server = null;

                var restartClock = Stopwatch.StartNew();
                server = await ServerProcess.StartAsync(_dataDirectory, ServerSettings, StartTimeout);
                var restartMs = restartClock.ElapsedMilliseconds;

                var verifyClock = Stopwatch.StartNew();
                var check = await Verify(server.Client, writers, random, violations);
                var acked = writers.Sum(w => w.AckedOps);
                totalAcked += acked;
                var inFlight = writers.Count(w => w.WasInFlight);
                roundsFromSegments += check.StoredSegments > 0 ? 1 : 0;
                roundsReplayingLog += check.LogRecords > 0 ? 1 : 0;
                if (!violations.IsEmpty)
                {
                    Assert.Fail(Describe(round, killAfter, acked, inFlight, check, violations));
                }
                output.WriteLine(
                    $"round {round}: killed after {killAfter} ms; acked {acked} ops ({Totals(writers)}), {inFlight} in flight; " +
                    $"{check.Present} present of {check.Checked} ids; restart {restartMs} ms ({check.StoredSegments} stored segments, {check.LogRecords} log records replayed), verify {verifyClock.ElapsedMilliseconds} ms, round {roundClock.ElapsedMilliseconds} ms");
            }
            output.WriteLine($"{Rounds} rounds, {totalAcked} acknowledged ops, {total.Elapsed.TotalSeconds:F1} s");
            // A test that never got a write acknowledged would prove nothing.
            Assert.True(totalAcked > Rounds * 10, $"only {totalAcked} operations were acknowledged in {Rounds} rounds");
            // Both recovery paths must have been exercised: loading checkpointed segments, and replaying the log.
            Assert.True(roundsFromSegments > Rounds / 2, $"only {roundsFromSegments} of {Rounds} restarts found stored segments: sealing never reached storage");
            Assert.True(roundsReplayingLog > Rounds / 2, $"only {roundsReplayingLog} of {Rounds} restarts replayed log records");
        }
        finally
        {
            server?.Dispose();
        }
    }

    private static string Totals(Writer[] writers) =>
        string.Join(", ", writers.SelectMany(w => w.AckedByKind).GroupBy(p => p.Key).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Sum(p => p.Value)} {g.Key}"));

    private static string Describe(int round, int killAfter, long acked, int inFlight, CheckResult check, ConcurrentQueue<string> violations)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"round {round} of {Rounds} (seed {Seed}), server SIGKILLed {killAfter} ms after {WriterCount} writers started ({acked} ops acknowledged this round, {inFlight} in flight): ");
        text.Append(CultureInfo.InvariantCulture,
            $"{violations.Count} violations; of {check.Checked} ids, {check.LostUpserts} acknowledged upserts are missing, {check.WrongLabels} have another label, {check.Resurrected} acknowledged deletes are back");
        foreach (var violation in violations.Take(12))
        {
            text.Append("\n  - ").Append(violation);
        }
        if (violations.Count > 12)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  - ... and {violations.Count - 12} more");
        }
        return text.ToString();
    }

    /// <summary>
    /// Compares the restarted server with the model, then adopts what the server holds for ids the
    /// in-flight operations touched (either outcome is allowed), so the next round starts exact.
    /// </summary>
    private static async Task<CheckResult> Verify(HttpClient client, Writer[] writers, Random random, ConcurrentQueue<string> violations)
    {
        var result = new CheckResult();
        long? count = null;
        using (var info = await client.GetAsync(new Uri(MemoryPath, UriKind.Relative)))
        {
            var body = await info.Content.ReadAsStringAsync();
            if (info.StatusCode == HttpStatusCode.OK)
            {
                var memory = JsonNode.Parse(body)!;
                count = (long)memory["count"]!;
                // Where the restart found the items: stored segments, and log records it replayed.
                result.StoredSegments = (long)memory["storage"]!["storedSegments"]!;
                result.LogRecords = (long)memory["storage"]!["logRecords"]!;
            }
            else
            {
                violations.Enqueue($"memory '{MemoryName}' is gone after the restart (GET {MemoryPath} → {(int)info.StatusCode}) though its creation was acknowledged (201)");
            }
        }

        // Every id any writer ever touched, read back with a few requests in parallel.
        var ids = writers.SelectMany(w => w.Ids).ToArray();
        var actual = new ConcurrentDictionary<long, string?>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, token) =>
        {
            using var response = await client.GetAsync(new Uri($"{MemoryPath}/items/{id.ToString(CultureInfo.InvariantCulture)}", UriKind.Relative), token);
            var body = await response.Content.ReadAsStringAsync(token);
            actual[id] = response.StatusCode switch
            {
                HttpStatusCode.OK => (string)JsonNode.Parse(body)!["label"]!,
                HttpStatusCode.NotFound => null,
                _ => throw new InvalidOperationException($"GET item {id}: unexpected {(int)response.StatusCode} {body}"),
            };
        });

        foreach (var writer in writers)
        {
            foreach (var id in writer.Ids)
            {
                var expected = writer.Expected(id);
                var got = actual[id];
                result.Checked++;
                if (got == expected)
                {
                    continue;
                }
                if (writer.InFlightChanges is { } changes && changes.TryGetValue(id, out var pending) && got == pending)
                {
                    continue;   // the in-flight operation was applied: allowed, adopted below
                }
                if (got is null)
                {
                    result.LostUpserts++;
                }
                else if (expected is null)
                {
                    result.Resurrected++;
                }
                else
                {
                    result.WrongLabels++;
                }
                violations.Enqueue($"id {id} (writer {writer.Index}): last acknowledged {Show(expected)} ({writer.LastAckedAt(id)}){writer.InFlightNote(id)}, after restart {Show(got)}");
            }
        }
        if (!violations.IsEmpty)
        {
            return result;
        }

        foreach (var writer in writers)
        {
            writer.Adopt(actual);
        }
        result.Present = writers.Sum(w => w.PresentCount);
        if (count != result.Present)
        {
            violations.Enqueue($"GET {MemoryPath} counts {count} items, but {result.Present} ids are present");
        }
        await CheckSearch(client, writers, random, violations);
        return result;
    }

    /// <summary>
    /// Searches with stored vectors: every neighbour must be a live id with its current label (a
    /// deleted id in a segment's index must not resurface), and the queried item must find itself,
    /// since nprobe (16) covers all 8 IVF lists and growing segments are exact.
    /// </summary>
    private static async Task CheckSearch(HttpClient client, Writer[] writers, Random random, ConcurrentQueue<string> violations)
    {
        var present = writers.SelectMany(w => w.Present).ToArray();
        if (present.Length == 0)
        {
            return;
        }
        var labelOf = present.ToDictionary(p => p.Id, p => p.Label);
        for (var q = 0; q < 4; q++)
        {
            var (id, label) = present[random.Next(present.Length)];
            using var response = await client.PostAsJsonAsync(new Uri($"{MemoryPath}/search", UriKind.Relative), new { vector = VectorOf(id, label), k = 20 });
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                violations.Enqueue($"search with item {id}'s vector: {(int)response.StatusCode} {body}");
                continue;
            }
            var neighbors = JsonNode.Parse(body)!["neighbors"]!.AsArray();
            foreach (var neighbor in neighbors)
            {
                var found = (long)neighbor!["id"]!;
                var foundLabel = (string?)neighbor["label"];
                if (!labelOf.TryGetValue(found, out var expected))
                {
                    violations.Enqueue($"search with item {id}'s vector returned id {found}, which is deleted or was never written");
                }
                else if (foundLabel != expected)
                {
                    violations.Enqueue($"search returned id {found} with label '{foundLabel}', but its label is '{expected}'");
                }
            }
            if (!neighbors.Any(n => (long)n!["id"]! == id))
            {
                violations.Enqueue($"search with item {id}'s own vector did not return it: {body}");
            }
        }
    }

    private static string Show(string? label) => label is null ? "absent" : $"'{label}'";

    /// <summary>A vector that is a pure function of (id, label), so the model needs to keep no vectors and can rebuild any stored one.</summary>
    private static float[] VectorOf(long id, string label)
    {
        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 14695981039346656037UL;
        foreach (var c in label)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        hash ^= (ulong)id * 0x9E3779B97F4A7C15UL;
        var random = new Random((int)(hash ^ (hash >> 32)));
        var vector = new float[Dimension];
        for (var i = 0; i < Dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return vector;
    }

    private sealed class CheckResult
    {
        public int Checked { get; set; }
        public int Present { get; set; }
        public int LostUpserts { get; set; }
        public int WrongLabels { get; set; }
        public int Resurrected { get; set; }
        public long StoredSegments { get; set; }
        public long LogRecords { get; set; }
    }

    /// <summary>Set right after the kill, so a writer whose last request was acknowledged sends no more.</summary>
    private sealed class StopFlag
    {
        private volatile bool _set;

        public bool IsSet => _set;

        public void Set() => _set = true;
    }

    /// <summary>
    /// One client task with its own id range and its model of those ids. Only this writer touches
    /// them, and it waits for each response before the next request, so the server's state of its ids
    /// is exactly the result of its acknowledged operations plus, possibly, the one in flight.
    /// </summary>
    private sealed class Writer(int index, Random random)
    {
        // id → label, or null when deleted; in creation order so random picks are reproducible.
        private readonly Dictionary<long, string?> _acked = [];
        private readonly Dictionary<long, string> _ackedAt = [];
        private readonly List<long> _ids = [];
        private int _round;
        private int _opNumber;

        public int Index { get; } = index;

        /// <summary>Every id this writer ever sent, including one only in flight so far.</summary>
        public IReadOnlyList<long> Ids => _ids;

        /// <summary>The new state of each id the in-flight operation touches; null when nothing was in flight at the kill.</summary>
        public Dictionary<long, string?>? InFlightChanges { get; private set; }

        private string? InFlightWhat { get; set; }

        public bool WasInFlight => InFlightWhat is not null;

        public long AckedOps { get; private set; }

        public Dictionary<string, long> AckedByKind { get; } = new(StringComparer.Ordinal);

        public int PresentCount => _acked.Values.Count(v => v is not null);

        public IEnumerable<(long Id, string Label)> Present => _acked.Where(p => p.Value is not null).Select(p => (p.Key, p.Value!));

        public string? Expected(long id) => _acked.GetValueOrDefault(id);

        public string LastAckedAt(long id) => _ackedAt.GetValueOrDefault(id, "never acknowledged");

        public string InFlightNote(long id) =>
            InFlightChanges is { } changes && changes.TryGetValue(id, out var pending)
                ? $", in flight at the kill: {InFlightWhat} → {Show(pending)}"
                : "";

        public void BeginRound(int round)
        {
            _round = round;
            AckedOps = 0;
            AckedByKind.Clear();
            InFlightChanges = null;
            InFlightWhat = null;
        }

        /// <summary>After a clean check: the server's state of the in-flight ids becomes the model's.</summary>
        public void Adopt(ConcurrentDictionary<long, string?> actual)
        {
            if (InFlightChanges is { } changes)
            {
                foreach (var id in changes.Keys)
                {
                    _acked[id] = actual[id];
                    _ackedAt[id] = $"adopted after round {_round}";
                }
            }
        }

        public async Task RunAsync(HttpClient client, StopFlag stop, ConcurrentQueue<string> violations)
        {
            while (!stop.IsSet)
            {
                var (kind, changes, send) = NextOperation();
                InFlightChanges = changes;
                InFlightWhat = $"{kind} #{_opNumber} of round {_round}";
                string? problem;
                try
                {
                    problem = await send(client);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    // The server died under this request: its outcome is unknown, so it stays in flight.
                    return;
                }
                if (problem is not null)
                {
                    // An answer the contract does not allow; its effect is unknown too, so it stays in flight.
                    violations.Enqueue($"writer {Index}, {InFlightWhat}: {problem}");
                    return;
                }
                foreach (var (id, label) in changes)
                {
                    _acked[id] = label;
                    _ackedAt[id] = $"{kind} #{_opNumber} of round {_round}";
                }
                InFlightChanges = null;
                InFlightWhat = null;
                AckedOps++;
                AckedByKind[kind] = AckedByKind.GetValueOrDefault(kind) + 1;
            }
        }

        private (string Kind, Dictionary<long, string?> Changes, Func<HttpClient, Task<string?>> Send) NextOperation()
        {
            _opNumber++;
            var present = _acked.Where(p => p.Value is not null).Select(p => p.Key).ToList();
            var absent = _acked.Where(p => p.Value is null).Select(p => p.Key).ToList();
            var roll = random.Next(100);
            if (roll < 3)
            {
                return ("seal", [], Seal);
            }
            if (roll < 10 && _acked.Count >= 2)
            {
                var ids = Pick(_acked.Keys.ToList(), random.Next(2, 6));
                var deleted = ids.Count(id => _acked[id] is not null);
                return ("unlearn", ids.ToDictionary(id => id, _ => (string?)null), client => Unlearn(client, ids, deleted));
            }
            if (roll < 28 && present.Count > 0)
            {
                var id = present[random.Next(present.Count)];
                return ("delete", new() { [id] = null }, client => Delete(client, id, HttpStatusCode.NoContent));
            }
            if (roll < 31 && absent.Count > 0)
            {
                // Deleting what is not there must say so, and must not disturb anything.
                var id = absent[random.Next(absent.Count)];
                return ("delete-absent", new() { [id] = null }, client => Delete(client, id, HttpStatusCode.NotFound));
            }
            if (roll < 55 && present.Count > 0)
            {
                var (changes, batch) = Labelled(Pick(present, random.Next(1, 6)));
                return ("replace", changes, client => Upsert(client, batch));
            }
            var count = random.Next(1, 21);
            var fresh = new List<long>();
            while (fresh.Count < count && _ids.Count < IdsPerWriter)
            {
                // Each writer owns (index + 1) · 10⁶ + n: disjoint ranges, so no two writers race on an id.
                var id = (Index + 1) * 1_000_000L + _ids.Count;
                _ids.Add(id);
                fresh.Add(id);
            }
            if (fresh.Count == 0)
            {
                // The id pool is used up: bring deleted ids back instead, or replace live ones.
                fresh = absent.Count > 0 ? Pick(absent, count) : Pick(present, count);
            }
            var (insertChanges, insertBatch) = Labelled(fresh);
            return ("insert", insertChanges, client => Upsert(client, insertBatch));
        }

        private (Dictionary<long, string?> Changes, List<(long Id, string Label)> Batch) Labelled(List<long> ids)
        {
            // Unique per operation, so the old and the new state of an id are told apart.
            var label = $"w{Index}r{_round}n{_opNumber}";
            return (ids.ToDictionary(id => id, _ => (string?)label), [.. ids.Select(id => (id, label))]);
        }

        private List<long> Pick(List<long> from, int count)
        {
            var copy = from.ToList();
            var picked = new List<long>();
            while (picked.Count < count && copy.Count > 0)
            {
                var i = random.Next(copy.Count);
                picked.Add(copy[i]);
                copy.RemoveAt(i);
            }
            return picked;
        }

        private static async Task<string?> Upsert(HttpClient client, List<(long Id, string Label)> batch)
        {
            var body = new { items = batch.Select(b => new { id = b.Id, label = b.Label, vector = VectorOf(b.Id, b.Label) }) };
            using var response = await client.PostAsJsonAsync(new Uri($"{MemoryPath}/items", UriKind.Relative), body);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"upsert of {batch.Count} items: {(int)response.StatusCode} {text}";
            }
            var added = (int)JsonNode.Parse(text)!["added"]!;
            return added == batch.Count ? null : $"upsert of {batch.Count} items answered added={added}";
        }

        private static async Task<string?> Delete(HttpClient client, long id, HttpStatusCode expected)
        {
            using var response = await client.DeleteAsync(new Uri($"{MemoryPath}/items/{id.ToString(CultureInfo.InvariantCulture)}", UriKind.Relative));
            return response.StatusCode == expected
                ? null
                : $"DELETE item {id}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }

        private static async Task<string?> Unlearn(HttpClient client, List<long> ids, int expectedDeleted)
        {
            using var response = await client.PostAsJsonAsync(new Uri($"{MemoryPath}/unlearn", UriKind.Relative), new { ids });
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"unlearn of [{string.Join(',', ids)}]: {(int)response.StatusCode} {text}";
            }
            var deleted = (long)JsonNode.Parse(text)!["deleted"]!;
            return deleted == expectedDeleted ? null : $"unlearn of [{string.Join(',', ids)}] deleted {deleted}, expected {expectedDeleted}";
        }

        private static async Task<string?> Seal(HttpClient client)
        {
            using var response = await client.PostAsync(new Uri($"{MemoryPath}/seal", UriKind.Relative), content: null);
            // 409: too few vectors to train IVF8 yet, which the server reports and survives.
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict
                ? null
                : $"seal: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }
    }
}
