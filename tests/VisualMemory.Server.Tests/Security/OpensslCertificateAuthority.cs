using System.Diagnostics;
using System.Globalization;

namespace VisualMemory.Server.Tests.Security;

/// <summary>
/// A throwaway CA made with the openssl command line, the way docs/operations.md tells an operator to make one, and
/// the node certificates it signs: PEM files in a directory of the test's, valid for two days, P-256 keys (fast to make).
/// </summary>
internal sealed class OpensslCertificateAuthority
{
    private readonly string _directory;
    private readonly string _name;

    private OpensslCertificateAuthority(string directory, string name)
    {
        _directory = directory;
        _name = name;
    }

    /// <summary>The CA's certificate (what <c>Security:InternalCaPath</c> names).</summary>
    public string CertificatePath => Path.Combine(_directory, _name + "-ca.crt");

    private string KeyPath => Path.Combine(_directory, _name + "-ca.key");

    /// <summary>Makes a self-signed CA named <paramref name="name"/> in <paramref name="directory"/>.</summary>
    public static async Task<OpensslCertificateAuthority> CreateAsync(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var ca = new OpensslCertificateAuthority(directory, name);
        await RunAsync(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", ca.KeyPath, "-out", ca.CertificatePath, "-days", "2", "-subj", $"/CN={name} test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /// <summary>
    /// Issues a node certificate for <paramref name="subjectAltName"/> (openssl syntax, e.g. "IP:127.0.0.1") that serves
    /// and is presented as a client; returns the certificate's and the key's paths.
    /// </summary>
    public async Task<(string Certificate, string Key)> IssueAsync(string node, string subjectAltName = "IP:127.0.0.1")
    {
        var stem = Path.Combine(_directory, $"{_name}-{node}");
        var extensions = stem + ".ext";
        await File.WriteAllLinesAsync(extensions,
        [
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth,clientAuth",
            $"subjectAltName={subjectAltName}",
        ]);
        await RunAsync(_directory, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", stem + ".key", "-out", stem + ".csr", "-subj", $"/CN={node}");
        await RunAsync(_directory, "x509", "-req", "-in", stem + ".csr", "-CA", CertificatePath, "-CAkey", KeyPath,
            "-set_serial", "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)),
            "-days", "2", "-sha256", "-extfile", extensions, "-out", stem + ".crt");
        return (stem + ".crt", stem + ".key");
    }

    private static async Task RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n{await output}{await error}");
        }
    }
}
