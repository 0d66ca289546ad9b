using System.Globalization;
using VisualMemory.Storage.CrashProbe;
using VisualMemory.Storage.Log;

// Usage: CrashProbe <log directory> <round> <workers>
// Prints "OPEN next first recoveredTailBytes", then for every acknowledged append "A position worker counter .",
// and "T x ." before each TruncateBefore(x). Runs until killed.
if (args.Length != 3)
{
    await Console.Error.WriteLineAsync("usage: CrashProbe <log directory> <round> <workers>").ConfigureAwait(false);
    return 2;
}
var round = long.Parse(args[1], CultureInfo.InvariantCulture);
var workers = int.Parse(args[2], CultureInfo.InvariantCulture);
var output = Console.Out;   // synchronized and flushed on every write
using var log = WriteAheadLog.Open(args[0]);
output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"OPEN {log.NextPosition} {log.FirstPosition} {log.RecoveredTailBytes}"));

var appenders = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
{
    for (long counter = 0; ; counter++)
    {
        var position = await log.AppendAsync(ProbePayload.Make(round, worker, counter)).ConfigureAwait(false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"A {position} {worker} {counter} ."));
    }
})).ToList();

var maintenance = Task.Run(async () =>
{
    while (true)
    {
        await Task.Delay(15).ConfigureAwait(false);
        var first = log.Rotate();
        var cut = first - 300;
        if (cut > log.FirstPosition)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"T {cut} ."));
            log.TruncateBefore(cut);
        }
    }
});
appenders.Add(maintenance);
await Task.WhenAny(appenders).ConfigureAwait(false);
await Task.WhenAll(appenders).ConfigureAwait(false);   // only reached if one failed: surface it
return 1;
