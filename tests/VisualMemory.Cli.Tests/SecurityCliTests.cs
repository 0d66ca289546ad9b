using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using VisualMemory.TestSupport;

namespace VisualMemory.Cli.Tests;

/// <summary>`vm` against a node that wants API keys: a clear exit 4 without one, success with --api-key, and https with --insecure.</summary>
public sealed class SecurityCliTests : IDisposable
{
    private const string AdminKey = "cli-admin-key-0123456789abcdef";

    private static readonly string[] KeySwitches = ["--Security:ApiKeys:0:Name=cli", $"--Security:ApiKeys:0:Key={AdminKey}", "--Security:ApiKeys:0:Scopes=admin"];

    private readonly string _directory = Directory.CreateTempSubdirectory("vm-cli-security-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Without_a_key_vm_exits_4_saying_how_to_pass_one_and_with_api_key_it_succeeds()
    {
        using var server = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("data-dir", Path.Combine(_directory, "data"));
            foreach (var setting in KeySwitches)
            {
                var (key, value) = (setting[2..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                b.UseSetting(key, value);
            }
        });
        var error = new StringWriter();
        Assert.Equal(4, await CliApp.Run(["jobs"], TextWriter.Null, error, _ => server.CreateClient()));
        Assert.Contains("401", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("pass --api-key KEY or set VM_API_KEY", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, error.ToString(), StringComparison.Ordinal);

        var output = new StringWriter();
        error = new StringWriter();
        Assert.Equal(0, await CliApp.Run(["jobs", "--api-key", AdminKey], output, error, _ => server.CreateClient()));
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task Over_https_with_a_self_signed_certificate_vm_needs_insecure()
    {
        using var certificate = new SelfSignedCertificate(Path.Combine(_directory, "node.pfx"), "cli-pfx-password");
        using var node = await ServerProcess.StartAsync(Path.Combine(_directory, "node"), [.. certificate.Switches, .. KeySwitches, "--Logging:LogLevel:Default=Warning"],
            TimeSpan.FromSeconds(60), "https", certificate.TrustingHandler);
        var url = node.Client.BaseAddress!.ToString();
        // The real client `vm` builds, not a test one.
        var error = new StringWriter();
        Assert.Equal(4, await CliApp.Run(["jobs", "--server", url, "--api-key", AdminKey], TextWriter.Null, error, c => c.CreateClient()));
        Assert.Contains("cannot reach the server", error.ToString(), StringComparison.Ordinal);
        error = new StringWriter();
        Assert.Equal(0, await CliApp.Run(["jobs", "--server", url, "--api-key", AdminKey, "--insecure"], TextWriter.Null, error, c => c.CreateClient()));
        Assert.Equal("", error.ToString());
    }
}
