using System.Diagnostics;

namespace VisualMemory.Imaging.Tests;

/// <summary>
/// The test inputs, generated once per test run by scripts/images/make_test_images.py
/// (Debian's /usr/bin/python3 with python3-pil and python3-numpy) into a temporary directory.
/// </summary>
public sealed class TestImages : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vm-imaging-tests-" + Guid.NewGuid().ToString("N"));

    public TestImages()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "images", "make_test_images.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(_directory);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed (needs python3-pil, python3-numpy): {stderr.Result}");
        }
    }

    public byte[] Read(string name) => File.ReadAllBytes(Path.Combine(_directory, name));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VisualMemoryCluster.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("VisualMemoryCluster.sln not found above " + AppContext.BaseDirectory);
    }
}
